import { describe, expect, it } from 'vitest';
import {
  CAPTURE_TYPE_DESCRIPTORS,
  DEFAULT_CAPTURE_OPTIONS,
  readCaptureOptions,
  summariseOptions,
  yieldsFile,
} from '../../src/capture-types/registry.js';
import { buildCreateBody } from '../../src/dex/create-body.js';

describe('the capture-type registry', () => {
  it('gives every type unique names and option ids, and defaults that its own create body accepts', () => {
    const unique = (values: string[]) => expect(new Set(values).size).toBe(values.length);
    unique(CAPTURE_TYPE_DESCRIPTORS.map((d) => d.type));
    unique(CAPTURE_TYPE_DESCRIPTORS.map((d) => d.slug));
    unique(CAPTURE_TYPE_DESCRIPTORS.map((d) => d.label));
    for (const descriptor of CAPTURE_TYPE_DESCRIPTORS) {
      unique(Object.values(descriptor.options).map((field) => field.id));
      const type = descriptor.type;
      const body = buildCreateBody([
        { deviceId: 'd1', userEmail: 'a@example.com', type, args: DEFAULT_CAPTURE_OPTIONS[type] } as never,
      ]);
      expect(Object.keys(body.commands[0]?.args ?? {}).sort()).toEqual(
        Object.values(descriptor.options)
          .map((field) => field.wireKey)
          .sort(),
      );
    }
  });

  it('reads options stored by the first version (WARP keyed warpDiag, no speed test) with defaults for the rest', () => {
    const stored = {
      pcap: { timeLimitMin: 3, maxFileSizeMb: 20, packetSizeBytes: 1500 },
      warpDiag: { testAllRoutes: false },
    };
    expect(readCaptureOptions(stored)).toEqual({
      pcap: { timeLimitMin: 3, maxFileSizeMb: 20, packetSizeBytes: 1500 },
      'warp-diag': { testAllRoutes: false },
      'speed-test': { interfaces: ['default', 'tunnel'] },
    });
  });

  it('takes the default for any stored value out of shape, never a value outside the limits', () => {
    const options = readCaptureOptions({
      pcap: { timeLimitMin: 99, maxFileSizeMb: '5', packetSizeBytes: 2.5 },
      'warp-diag': { testAllRoutes: 'yes' },
      'speed-test': { interfaces: ['wifi'] },
    });
    expect(options).toEqual(DEFAULT_CAPTURE_OPTIONS);
    for (const junk of [null, 'x', 42, [], { pcap: null }])
      expect(readCaptureOptions(junk)).toEqual(DEFAULT_CAPTURE_OPTIONS);
  });

  it('summarises each type on one line', () => {
    const options = readCaptureOptions({ 'speed-test': { interfaces: ['tunnel', 'default'] } });
    expect(summariseOptions('pcap', options)).toBe('Packet capture: 5 min, 5 MB max, 160-byte packets');
    expect(summariseOptions('warp-diag', options)).toBe('WARP diagnostics: test all routes on');
    expect(summariseOptions('speed-test', options)).toBe('Speed test: WARP tunnel and default interface');
  });

  it('expects a file from every PCAP and WARP bundle, and from a speed test only when the list names one', () => {
    expect(yieldsFile({ type: 'pcap', filename: null })).toBe(true);
    expect(yieldsFile({ type: 'warp-diag', filename: null })).toBe(true);
    expect(yieldsFile({ type: 'speed-test', filename: null })).toBe(false);
    expect(yieldsFile({ type: 'speed-test', filename: '  ' })).toBe(false);
    expect(yieldsFile({ type: 'speed-test', filename: 'abc.zip' })).toBe(true);
    // A type this version does not know is treated like a capture: its file is fetched.
    expect(yieldsFile({ type: 'traceroute', filename: null })).toBe(true);
  });
});
