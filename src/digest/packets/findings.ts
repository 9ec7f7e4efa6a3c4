import type { InterfaceResult, PacketDigest } from '../model.js';
import type { FailedName, SlowAnswer } from './dns.js';

export type { FailedName, SlowAnswer } from './dns.js';

export interface LinkTypeCount {
  linkType: number;
  /** The registry's name (e.g. `IEEE802_11_RADIOTAP`), null for one not in the digest's short table. */
  name: string | null;
  packets: number;
}

/**
 * What one capture file shows that a support engineer would look at first, as facts (src/slack/ui words them).
 * `PacketTally.findings()` returns them most important first: kinds in the order of this union, and within a kind
 * the largest first.
 */
export type PacketFinding =
  /** The file holds no packet at all. */
  | { kind: 'no-packets' }
  /** Packets, but none with an IPv4/IPv6 header the digest could reach. */
  | { kind: 'nothing-decoded'; packets: number; linkTypes: LinkTypeCount[] }
  /** The capture file reader could not read everything (its problems are in the digest's `problems`). */
  | { kind: 'file-problems'; count: number }
  /**
   * The capturing system says it dropped packets (pcapng interface statistics: by the interface and by the OS,
   * summed over interfaces, each interface's last statistics block); `received` when every interface said it.
   */
  | { kind: 'packets-dropped'; dropped: number; received: number | null }
  /** DNS responses with an RCODE other than NOERROR, by RCODE name, with the names that failed most. */
  | { kind: 'dns-failures'; failed: number; total: number; byRcode: Record<string, number>; names: FailedName[] }
  /**
   * Queries with no response in the capture. `nearEnd` of them were sent within a second of the last packet, so
   * their answers may have come after the capture stopped.
   */
  | {
      kind: 'dns-unanswered';
      count: number;
      queries: number;
      nearEnd: number;
      servers: { address: string; count: number }[];
      names: string[];
    }
  /** SYNs to `peer:port` that no SYN-ACK (nor RST) answered in the capture. */
  | { kind: 'tcp-unanswered'; peer: string; port: number; connections: number; attempts: number; name?: string }
  /** Connections with `peer` on service port `port` that a RST ended; `refused` of them answered the SYN with it. */
  | { kind: 'tcp-resets'; peer: string; port: number; count: number; packets: number; refused: number; name?: string }
  /** Answers that took longer than `thresholdMs` from the first query packet, the slowest first. */
  | { kind: 'dns-slow'; count: number; responses: number; thresholdMs: number; slowest: SlowAnswer[] }
  /** Packets on a link type the digest counts but does not decode (some other packets were decoded). */
  | { kind: 'link-type-not-decoded'; linkType: number; name: string | null; packets: number };

export type PacketFindingKind = PacketFinding['kind'];

/** One capture file of a PCAP zip: its digest (null when the zip has no such file) and its size in bytes. */
export interface CaptureFileFacts {
  digest: PacketDigest | null;
  fileBytes: number | null;
}

/** What the two captures of a PCAP zip show together. */
export type PcapZipFinding =
  /** results.json says this interface's capture failed (`error` in the capture tool's words, data not markup). */
  | { kind: 'capture-failed'; interface: string; error: string | null }
  /** The zip has no file for this capture although results.json does not say it failed. */
  | { kind: 'capture-missing'; capture: 'default' | 'tunnel' }
  /** The tunnel capture is empty or near-empty while the default interface is busy: nothing went through WARP. */
  | { kind: 'tunnel-idle'; tunnelPackets: number; defaultPackets: number }
  /** The capture file reached the requested maximum size: the capture most likely stopped there, not at its end. */
  | { kind: 'size-limit-reached'; capture: 'default' | 'tunnel'; fileBytes: number; maxFileSizeMb: number };

/** A default-interface capture with fewer packets than this is not "busy". */
export const BUSY_DEFAULT_PACKETS = 100;
/** A tunnel capture is near-empty with at most this many packets, or 1% of the default capture's if more. */
export const NEAR_EMPTY_TUNNEL_PACKETS = 10;
export const NEAR_EMPTY_TUNNEL_SHARE = 0.01;
/**
 * A file at 97% of the maximum or more ended on the limit: captures stop at a packet boundary just short of it.
 * The maximum is taken in millions of bytes (as tcpdump's -C counts), the smaller reading of "MB", so a tool that
 * counts MiB is caught too.
 */
export const SIZE_LIMIT_SHARE = 0.97;
const BYTES_PER_MB = 1_000_000;

/**
 * Zip-level findings of a PCAP zip from its two captures, the interface results of its results.json (null when it
 * had none or could not be read) and the maximum file size the capture asked for (null when not known).
 */
export function pcapZipFindings(input: {
  default: CaptureFileFacts | null;
  tunnel: CaptureFileFacts | null;
  interfaces: InterfaceResult[] | null;
  maxFileSizeMb: number | null;
}): PcapZipFinding[] {
  const findings: PcapZipFinding[] = [];
  const failed = new Set<string>();
  for (const result of input.interfaces ?? []) {
    if (result.ok) continue;
    failed.add(result.name.toLowerCase());
    findings.push({ kind: 'capture-failed', interface: result.name, error: result.error });
  }
  const captures = [
    ['default', input.default],
    ['tunnel', input.tunnel],
  ] as const;
  for (const [capture, facts] of captures) {
    if (!facts?.digest && !failed.has(capture)) findings.push({ kind: 'capture-missing', capture });
  }
  const defaultPackets = input.default?.digest?.packets ?? 0;
  const tunnel = input.tunnel?.digest;
  if (
    tunnel &&
    defaultPackets >= BUSY_DEFAULT_PACKETS &&
    tunnel.packets <= Math.max(NEAR_EMPTY_TUNNEL_PACKETS, defaultPackets * NEAR_EMPTY_TUNNEL_SHARE)
  ) {
    findings.push({ kind: 'tunnel-idle', tunnelPackets: tunnel.packets, defaultPackets });
  }
  const max = input.maxFileSizeMb;
  if (max !== null && Number.isFinite(max) && max > 0) {
    for (const [capture, facts] of captures) {
      const fileBytes = facts?.fileBytes;
      if (facts?.digest && typeof fileBytes === 'number' && fileBytes >= max * BYTES_PER_MB * SIZE_LIMIT_SHARE) {
        findings.push({ kind: 'size-limit-reached', capture, fileBytes, maxFileSizeMb: max });
      }
    }
  }
  return findings;
}
