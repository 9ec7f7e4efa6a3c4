import { PcapZipReader } from '../digest/pcap-zip.js';
import { ZipTap } from '../digest/zip-tap.js';
import { defineCaptureType } from './descriptor.js';

/** Limits from Cloudflare's docs (the OpenAPI spec gives only minimums); see reference §3.1. */
export const pcap = defineCaptureType({
  type: 'pcap',
  label: 'Packet capture (PCAP)',
  short: 'PCAP',
  description: 'Default interface and WARP tunnel',
  slug: 'pcap',
  usedFor: 'packet captures',
  options: {
    timeLimitMin: {
      kind: 'whole-number',
      id: 'time',
      wireKey: 'time-limit-min',
      label: 'PCAP time limit',
      unit: 'minutes',
      min: 1,
      max: 10,
      default: 5,
    },
    maxFileSizeMb: {
      kind: 'whole-number',
      id: 'size',
      wireKey: 'max-file-size-mb',
      label: 'PCAP max file size',
      unit: 'MB',
      min: 1,
      max: 50,
      default: 5,
    },
    packetSizeBytes: {
      kind: 'whole-number',
      id: 'packet',
      wireKey: 'packet-size-bytes',
      label: 'PCAP packet size',
      unit: 'bytes',
      min: 1,
      max: 1500,
      default: 160,
    },
  },
  summary: (o) => `Packet capture: ${o.timeLimitMin} min, ${o.maxFileSizeMb} MB max, ${o.packetSizeBytes}-byte packets`,
  artifact: {
    file: 'always',
    // Both captures are digested as the zip streams; results.json says which interfaces were captured.
    reader({ fileName, options }) {
      const zip = new PcapZipReader(fileName, options.maxFileSizeMb);
      const stream = new ZipTap((name) => zip.entry(name));
      return { stream, interfaces: () => zip.interfaces(), digest: () => zip.digest(stream.problems()) };
    },
  },
});
