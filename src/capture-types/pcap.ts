import { defineCaptureType } from './descriptor.js';
import { interfaceResults, PcapResultsReader } from './pcap-results.js';

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
      label: 'PCAP time limit (minutes)',
      unit: 'minutes',
      min: 1,
      max: 10,
      default: 5,
    },
    maxFileSizeMb: {
      kind: 'whole-number',
      id: 'size',
      wireKey: 'max-file-size-mb',
      label: 'PCAP max file size (MB)',
      unit: 'MB',
      min: 1,
      max: 50,
      default: 5,
    },
    packetSizeBytes: {
      kind: 'whole-number',
      id: 'packet',
      wireKey: 'packet-size-bytes',
      label: 'PCAP packet size (bytes)',
      unit: 'bytes',
      min: 1,
      max: 1500,
      default: 160,
    },
  },
  summary: (o) => `Packet capture: ${o.timeLimitMin} min, ${o.maxFileSizeMb} MB max, ${o.packetSizeBytes}-byte packets`,
  artifact: {
    file: 'always',
    // results.json in the zip says which interfaces were captured.
    reader() {
      const stream = new PcapResultsReader();
      return { stream, interfaces: () => interfaceResults(stream.results), digest: () => null };
    },
  },
});
