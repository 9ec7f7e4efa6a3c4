import type { PacketDigest } from './model.js';
import type { PacketFinding, PcapZipFinding } from './packets/findings.js';
import type { WarpDigest } from './warp/model.js';

/** What the bot learned from an artifact as it streamed to Slack: kept with the upload, shown in the thread. */
export type ArtifactDigest = PcapZipDigest | WarpDigest;

/** The digest of a packet-capture zip (or, on the command line, of one capture file). */
export interface PcapZipDigest {
  kind: 'pcap';
  file: string;
  /** The default interface's capture first, then the tunnel's (or the one file given on the command line). */
  captures: { capture: string; fileBytes: number; digest: PacketDigest; findings: PacketFinding[] }[];
  /** What the two captures and results.json show together. */
  findings: PcapZipFinding[];
  /** What the zip itself did not let the digest read (the captures' own problems are in their digests). */
  problems: string[];
}
