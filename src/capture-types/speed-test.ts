import { defineCaptureType } from './descriptor.js';

const INTERFACES = [
  { value: 'default', label: 'Default interface' },
  { value: 'tunnel', label: 'WARP tunnel' },
] as const;
const IN_A_SENTENCE: Record<(typeof INTERFACES)[number]['value'], string> = {
  default: 'default interface',
  tunnel: 'WARP tunnel',
};

/**
 * Download and upload throughput, latency and jitter, measured on the device (OpenAPI 2026-07, SDK 7.3:
 * `args.interfaces`, either or both). How the results come back is not documented: a file when the list names one,
 * otherwise the dashboard's diagnostics view.
 */
export const speedTest = defineCaptureType({
  type: 'speed-test',
  label: 'Speed test',
  short: 'Speed test',
  description: 'Download and upload speed, latency and jitter',
  slug: 'speed',
  usedFor: 'speed tests',
  options: {
    interfaces: {
      kind: 'choices',
      id: 'interfaces',
      wireKey: 'interfaces',
      label: 'Speed test on',
      choices: INTERFACES,
      hint: 'Either or both. The tunnel shows what WARP adds.',
      default: ['default', 'tunnel'],
    },
  },
  summary: (o) => `Speed test: ${o.interfaces.map((value) => IN_A_SENTENCE[value]).join(' and ')}`,
  artifact: { file: 'when-listed' },
});
