import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureFileReader } from '../../src/digest/capture-file.js';
import type { CapturedPacket } from '../../src/digest/model.js';
import {
  block,
  concat,
  epb,
  idb,
  isb,
  option,
  payload,
  pb,
  pcapFile,
  type RecordingSink,
  readInChunks,
  shb,
  spb,
  u64,
} from './capture-builders.js';

/** 2025-12-03T06:04:44Z */
const SECONDS = 1_764_741_884;
const US = SECONDS * 1_000_000;

function packetFacts(packet: CapturedPacket) {
  return { ...packet, data: [...packet.data] };
}

describe('classic pcap', () => {
  const variants = [
    { name: 'little-endian µs', littleEndian: true, magic: 0xa1b2c3d4, fractions: [123_456, 999_999], scale: 1 },
    { name: 'big-endian µs', littleEndian: false, magic: 0xa1b2c3d4, fractions: [123_456, 999_999], scale: 1 },
    {
      name: 'little-endian ns',
      littleEndian: true,
      magic: 0xa1b23c4d,
      fractions: [123_456_789, 999_999_999],
      scale: 1000,
    },
    {
      name: 'big-endian ns',
      littleEndian: false,
      magic: 0xa1b23c4d,
      fractions: [123_456_789, 999_999_999],
      scale: 1000,
    },
  ];
  for (const variant of variants) {
    it(`reads ${variant.name}: the interface, each packet's time, lengths and bytes`, () => {
      const file = pcapFile({
        littleEndian: variant.littleEndian,
        magic: variant.magic,
        linkTypeField: 1,
        snapLength: 96,
        records: [
          { seconds: SECONDS, fraction: variant.fractions[0] ?? 0, data: payload(60, 1), originalLength: 60 },
          { seconds: SECONDS + 1, fraction: variant.fractions[1] ?? 0, data: payload(96, 2), originalLength: 1514 },
        ],
      });
      const { sink, format } = readInChunks(file);
      expect(format).toBe('pcap');
      expect(sink.problems).toEqual([]);
      expect(sink.interfaces).toEqual([{ id: 0, linkType: 1, snapLength: 96, name: null }]);
      expect(sink.packets.map(packetFacts)).toEqual([
        {
          interfaceId: 0,
          linkType: 1,
          timestampUs: US + 123_456,
          capturedLength: 60,
          originalLength: 60,
          data: [...payload(60, 1)],
        },
        {
          interfaceId: 0,
          linkType: 1,
          timestampUs: US + 1_000_000 + 999_999,
          capturedLength: 96,
          originalLength: 1514,
          data: [...payload(96, 2)],
        },
      ]);
    });
  }

  it('takes the link type from the low 16 bits: the upper bits carry the FCS length', () => {
    const file = pcapFile({ littleEndian: true, linkTypeField: 0x3000_0001, snapLength: 0, records: [] });
    const { sink } = readInChunks(file);
    expect(sink.interfaces).toEqual([{ id: 0, linkType: 1, snapLength: 0, name: null }]);
    expect(sink.problems).toEqual([]);
  });

  it('reads a record longer than the snap length as recorded, and counts it as a problem', () => {
    const records = [1, 2, 3].map((seed) => ({ seconds: SECONDS, fraction: seed, data: payload(80, seed) }));
    const file = pcapFile({ littleEndian: true, linkTypeField: 101, snapLength: 64, records });
    const { sink } = readInChunks(file, 5);
    expect(sink.packets.map((packet) => packet.capturedLength)).toEqual([80, 80, 80]);
    expect(sink.problems).toEqual(['3 packets hold more bytes than the snap length (the first is packet 1)']);
  });

  it('stops at a record claiming more than 256 KiB: the framing is lost after it', () => {
    const file = pcapFile({
      littleEndian: false,
      linkTypeField: 1,
      snapLength: 65535,
      records: [
        { seconds: SECONDS, fraction: 0, data: payload(40) },
        { seconds: SECONDS, fraction: 1, data: payload(40), capturedLength: 0x7fff_0000 },
        { seconds: SECONDS, fraction: 2, data: payload(40) },
      ],
    });
    for (const chunk of [0, 1, 3]) {
      const { sink } = readInChunks(file, chunk);
      expect(sink.packets).toHaveLength(1);
      expect(sink.problems).toEqual([
        'packet 2 claims 2147418112 bytes, more than the 262144 a packet can have: reading stops at byte 80',
      ]);
    }
  });

  it('gives no time for a sub-second field of a second or more', () => {
    const file = pcapFile({
      littleEndian: true,
      magic: 0xa1b23c4d,
      linkTypeField: 1,
      snapLength: 0,
      records: [
        { seconds: SECONDS, fraction: 999_999_999, data: payload(20) },
        { seconds: SECONDS, fraction: 1_000_000_000, data: payload(20) },
      ],
    });
    const { sink } = readInChunks(file);
    expect(sink.packets.map((packet) => packet.timestampUs)).toEqual([US + 999_999, null]);
    expect(sink.problems).toEqual(['packet 2 has a sub-second field of a second or more: no time given']);
  });

  it('reads the "modified pcap" that Wireshark writes (editcap -F modpcap) as it reads the original', () => {
    // test/digest/fixtures/modpcap-dns_udp.pcap: `editcap -F modpcap test/fixtures/corpus/pcap/dns_udp.pcap …`
    // (Wireshark 4.0.17): magic a1b2cd34, 24-byte record headers.
    const modified = readFileSync(new URL('fixtures/modpcap-dns_udp.pcap', import.meta.url));
    const original = readFileSync(new URL('../fixtures/corpus/pcap/dns_udp.pcap', import.meta.url));
    expect(modified.readUInt32LE(0)).toBe(0xa1b2cd34);
    const fromModified = readInChunks(modified, 3);
    const fromOriginal = readInChunks(original);
    expect(fromModified.format).toBe('pcap');
    expect(fromModified.sink.problems).toEqual([]);
    expect(fromModified.sink.packets).toHaveLength(2);
    expect(fromModified.sink.packets.map(packetFacts)).toEqual(fromOriginal.sink.packets.map(packetFacts));
  });
});

describe('pcapng', () => {
  const ns = (seconds: number, nanoseconds: number) => BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds);
  // Section 1, little-endian: Ethernet in µs with a name; raw IP in ns, an hour ahead (if_tsoffset).
  const section1 = [
    shb(true),
    idb(true, 1, 262_144, [option(true, 2, new TextEncoder().encode('en0')), option(true, 9, Uint8Array.of(6))]),
    idb(true, 101, 128, [option(true, 9, Uint8Array.of(9)), option(true, 14, u64(true, 3600n))]),
    epb(true, { interfaceId: 0, ticks: BigInt(US + 1), data: payload(42, 1) }),
    block(true, 0x0000_0bad, payload(21, 9)), // a custom block: skipped
    block(true, 4, payload(16, 8)), // name resolution: skipped
    epb(true, { interfaceId: 1, ticks: ns(SECONDS, 987_654_321), data: payload(128, 2), originalLength: 1400 }),
    isb(true, 1, ns(SECONDS + 5, 0), { 4: 1000n, 5: 3n, 7: 7n }),
  ];
  // Section 2, big-endian: ids restart. Linux cooked in 2^-20 s; milliseconds; SPB and the obsolete PB.
  const section2 = [
    shb(false),
    idb(false, 113, 64, [option(false, 9, Uint8Array.of(0x80 | 20))]),
    idb(false, 228, 0, [option(false, 9, Uint8Array.of(3))]),
    epb(false, {
      interfaceId: 0,
      ticks: (BigInt(SECONDS) << 20n) + (1n << 19n),
      data: payload(64, 3),
      originalLength: 90,
    }),
    spb(false, 200, payload(64, 4)), // captured: min(200, snap 64, room 64)
    pb(false, { interfaceId: 1, ticks: BigInt(SECONDS) * 1000n + 123n, data: payload(33, 5) }, 2),
    isb(false, 0, 0n, { 4: 5n }),
  ];
  const file = concat(...section1, ...section2);

  const expected = [
    { kind: 'interface', description: { id: 0, linkType: 1, snapLength: 262_144, name: 'en0', section: 0 } },
    { kind: 'interface', description: { id: 1, linkType: 101, snapLength: 128, name: null, section: 0 } },
    {
      kind: 'packet',
      packet: { interfaceId: 0, linkType: 1, timestampUs: US + 1, capturedLength: 42, originalLength: 42 },
    },
    {
      kind: 'packet',
      packet: {
        interfaceId: 1,
        linkType: 101,
        timestampUs: US + 3600_000_000 + 987_654,
        capturedLength: 128,
        originalLength: 1400,
      },
    },
    {
      kind: 'statistics',
      statistics: {
        interfaceId: 1,
        section: 0,
        received: 1000,
        droppedByInterface: 3,
        droppedByOs: 7,
        acceptedByFilter: null,
        deliveredToUser: null,
      },
    },
    { kind: 'interface', description: { id: 0, linkType: 113, snapLength: 64, name: null, section: 1 } },
    { kind: 'interface', description: { id: 1, linkType: 228, snapLength: 0, name: null, section: 1 } },
    {
      kind: 'packet',
      packet: { interfaceId: 0, linkType: 113, timestampUs: US + 500_000, capturedLength: 64, originalLength: 90 },
    },
    {
      kind: 'packet',
      packet: { interfaceId: 0, linkType: 113, timestampUs: null, capturedLength: 64, originalLength: 200 },
    },
    {
      kind: 'packet',
      packet: { interfaceId: 1, linkType: 228, timestampUs: US + 123_000, capturedLength: 33, originalLength: 33 },
    },
    {
      kind: 'statistics',
      statistics: {
        interfaceId: 0,
        section: 1,
        received: 5,
        droppedByInterface: null,
        droppedByOs: null,
        acceptedByFilter: null,
        deliveredToUser: null,
      },
    },
  ];

  function withoutData(events: RecordingSink['events']) {
    return events.map((event) => {
      if (event.kind !== 'packet') return event;
      const { data, ...rest } = event.packet;
      return { kind: 'packet', packet: rest };
    });
  }

  it('reads two sections of different byte order, interfaces of different link type and resolution, EPB, SPB, PB and ISB', () => {
    const { sink, format } = readInChunks(file);
    expect(format).toBe('pcapng');
    expect(sink.problems).toEqual([]);
    expect(withoutData(sink.events)).toEqual(expected);
    expect(sink.packets.map((packet) => [...packet.data])).toEqual(
      [payload(42, 1), payload(128, 2), payload(64, 3), payload(64, 4), payload(33, 5)].map((bytes) => [...bytes]),
    );
  });

  it('gives the same events for every chunking', () => {
    const whole = readInChunks(file).sink.events;
    for (const chunk of [1, 2, 3, 5, 7, 13, 64, 100]) expect(readInChunks(file, chunk).sink.events).toEqual(whole);
  });

  it('stops where a block ends with another length than it starts with', () => {
    const broken = concat(
      shb(true),
      idb(true, 1, 0),
      epb(true, { interfaceId: 0, ticks: 1n, data: payload(10) }),
      block(true, 6, payload(40), { trailer: 44 }),
      epb(true, { interfaceId: 0, ticks: 2n, data: payload(10) }),
    );
    for (const chunk of [0, 1, 6]) {
      const { sink } = readInChunks(broken, chunk);
      expect(sink.packets).toHaveLength(1);
      expect(sink.problems).toEqual([
        `the pcapng block at byte ${shb(true).length + 20 + 44} ends with length 44, not the 52 it starts with: reading stops`,
      ]);
    }
  });

  it('stops where a skipped block streaming past ends with another length than it starts with', () => {
    const broken = concat(shb(true), block(true, 0x0bad, payload(100), { trailer: 8 }), idb(true, 1, 0));
    const { sink } = readInChunks(broken, 16);
    expect(sink.interfaces).toEqual([]);
    expect(sink.problems).toEqual([
      `the pcapng block at byte ${shb(true).length} ends with length 8, not the 112 it starts with: reading stops`,
    ]);
  });

  it('stops at a block claiming 4 GB, or a length that is not a multiple of 4', () => {
    const head = concat(shb(true), idb(true, 1, 0), epb(true, { interfaceId: 0, ticks: 1n, data: payload(10) }));
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(0, 6, true);
    new DataView(huge.buffer).setUint32(4, 0xffff_fffc, true);
    const odd = block(true, 6, payload(20));
    new DataView(odd.buffer).setUint32(4, 33, true);
    for (const [tail, problem] of [
      [
        huge,
        `the pcapng block at byte ${head.length} claims 4294967292 bytes, more than the 16777216 read: reading stops`,
      ],
      [odd, `the pcapng block at byte ${head.length} has an impossible length (33 bytes): reading stops`],
    ] as const) {
      const { sink } = readInChunks(concat(head, tail, head), 4);
      expect(sink.packets).toHaveLength(1);
      expect(sink.problems).toEqual([problem]);
    }
  });

  it('skips a packet larger than its block or on an undescribed interface, and reads on', () => {
    const file = concat(
      shb(false),
      idb(false, 1, 0),
      epb(false, { interfaceId: 0, ticks: 1n, data: payload(10), capturedLength: 13 }), // 12 bytes of room
      epb(false, { interfaceId: 3, ticks: 2n, data: payload(10) }),
      epb(false, { interfaceId: 3, ticks: 3n, data: payload(10) }),
      epb(false, { interfaceId: 0, ticks: 4n, data: payload(10) }),
    );
    const { sink } = readInChunks(file, 7);
    expect(sink.packets.map((packet) => packet.timestampUs)).toEqual([4]);
    expect(sink.problems).toEqual([
      'packet 1 claims 13 bytes, more than its block holds: skipped',
      '2 packets name an interface no block describes: skipped (the first is packet 2)',
    ]);
  });

  it('refuses a section header without byte-order magic, or of another major version', () => {
    const noMagic = shb(true);
    noMagic.set([1, 2, 3, 4], 8);
    expect(readInChunks(noMagic).sink.problems).toEqual([
      'the pcapng section header at byte 0 has no byte-order magic: reading stops',
    ]);
    const version2 = concat(shb(true, { major: 2, minor: 0 }), idb(true, 1, 0));
    const read = readInChunks(version2);
    expect(read.sink.problems).toEqual(['pcapng version 2.0 is not supported: reading stops']);
    expect(read.sink.interfaces).toEqual([]);
  });

  it('gives no time where the resolution is out of range, and says so', () => {
    const file = concat(
      shb(true),
      idb(true, 1, 0, [option(true, 9, Uint8Array.of(0x80 | 100))]),
      epb(true, { interfaceId: 0, ticks: 5n, data: payload(4) }),
    );
    const { sink } = readInChunks(file);
    expect(sink.packets.map((packet) => packet.timestampUs)).toEqual([null]);
    expect(sink.problems).toEqual([
      'interface 0 has a time resolution or offset out of range: its packets have no time',
    ]);
  });

  it('gives no time for a µs timestamp beyond what a number holds exactly, and counts it', () => {
    const file = concat(
      shb(true),
      idb(true, 1, 0),
      epb(true, { interfaceId: 0, ticks: 0xffff_ffff_ffff_0000n, data: payload(4) }),
      epb(true, { interfaceId: 0, ticks: BigInt(Number.MAX_SAFE_INTEGER), data: payload(4) }),
    );
    const { sink } = readInChunks(file);
    expect(sink.packets.map((packet) => packet.timestampUs)).toEqual([null, Number.MAX_SAFE_INTEGER]);
    expect(sink.problems).toEqual(['packet 1 has a time out of range: no time given']);
  });

  it('converts nanoseconds exactly near the largest 64-bit timestamps', () => {
    const ticks = [0n, 999n, 1000n, 4_294_967_295_999n, 9_007_199_254_740_991_999n, 9_007_199_254_740_992_000n];
    const file = concat(
      shb(true),
      idb(true, 1, 0, [option(true, 9, Uint8Array.of(9))]),
      ...ticks.map((value) => epb(true, { interfaceId: 0, ticks: value, data: payload(1) })),
    );
    const { sink } = readInChunks(file);
    expect(sink.packets.map((packet) => packet.timestampUs)).toEqual([
      0,
      0,
      1,
      4_294_967_295,
      Number.MAX_SAFE_INTEGER,
      null,
    ]);
  });

  it('skips a large unknown block as it streams past, and reassembles a large packet', () => {
    const big = payload(200_000, 7);
    const file = concat(
      shb(true),
      block(true, 0x4000_0bad, payload(3_000_000, 3)),
      idb(true, 1, 0),
      epb(true, { interfaceId: 0, ticks: 9n, data: big }),
    );
    for (const chunk of [1000, 65_536, 0]) {
      const { sink } = readInChunks(file, chunk);
      expect(sink.problems).toEqual([]);
      expect(sink.packets).toHaveLength(1);
      expect(Buffer.from(sink.packets[0]?.data ?? []).equals(Buffer.from(big))).toBe(true);
    }
  });
});

describe('files cut short, at every offset and with every chunk size from 1 to 7', () => {
  /** Each unit of a file, and how many interface/packet/statistics events it gives. */
  type Unit = { bytes: Uint8Array; events: number; packet?: number; type?: number };

  function check(units: Unit[], cutProblem: (cut: number, unit: Unit, start: number) => string) {
    const file = concat(...units.map((unit) => unit.bytes));
    const full = readInChunks(file).sink.events;
    expect(full.filter((event) => event.kind === 'problem')).toEqual([]);
    const ends: number[] = [];
    let end = 0;
    for (const unit of units) {
      end += unit.bytes.length;
      ends.push(end);
    }
    for (let cut = 0; cut <= file.length; cut++) {
      const prefix = file.subarray(0, cut);
      const complete = ends.filter((unitEnd) => unitEnd <= cut).length;
      const events = units.slice(0, complete).reduce((sum, unit) => sum + unit.events, 0);
      const expected = full.slice(0, events);
      const inside = units[complete];
      if (cut === 0) {
        expected.push({ kind: 'problem', text: 'the file is empty' });
      } else if (inside && !ends.includes(cut)) {
        const start = ends[complete - 1] ?? 0;
        expected.push({ kind: 'problem', text: cutProblem(cut, inside, start) });
      }
      for (let chunk = 0; chunk <= 7; chunk++) {
        expect(readInChunks(prefix, chunk).sink.events, `cut at ${cut}, chunks of ${chunk}`).toEqual(expected);
      }
    }
  }

  it('classic pcap', () => {
    const records = [payload(5, 1), payload(0), payload(9, 2)];
    const file = pcapFile({
      littleEndian: false,
      magic: 0xa1b23c4d,
      linkTypeField: 101,
      snapLength: 64,
      records: records.map((data, i) => ({ seconds: SECONDS + i, fraction: i * 1000, data })),
    });
    const units: Unit[] = [{ bytes: file.subarray(0, 24), events: 1 }];
    let offset = 24;
    records.forEach((data, i) => {
      units.push({ bytes: file.subarray(offset, offset + 16 + data.length), events: 1, packet: i + 1 });
      offset += 16 + data.length;
    });
    check(units, (cut, unit) => {
      if (cut < 4) return `the file is too short to be a capture (${cut} bytes)`;
      if (unit.packet === undefined) return 'the file ends inside the pcap file header';
      return `the file ends inside packet ${unit.packet}`;
    });
  });

  it('pcapng', () => {
    const le = true;
    const units: Unit[] = [
      { bytes: shb(le), events: 0, type: 0x0a0d0d0a },
      { bytes: idb(le, 1, 0, [option(le, 9, Uint8Array.of(9))]), events: 1, type: 1 },
      { bytes: epb(le, { interfaceId: 0, ticks: 1_000_000_123_456n, data: payload(3) }), events: 1, packet: 1 },
      { bytes: block(le, 0x0bad, payload(9)), events: 0, type: 0x0bad },
      { bytes: spb(le, 7, payload(7)), events: 1, packet: 2 },
      { bytes: isb(le, 0, 5n, { 5: 1n }), events: 1, type: 5 },
      { bytes: pb(le, { interfaceId: 0, ticks: 77n, data: payload(2) }), events: 1, packet: 3 },
    ];
    check(units, (cut, unit, start) => {
      if (cut < 4) return `the file is too short to be a capture (${cut} bytes)`;
      const before = units.filter((other) => other.packet !== undefined && other.packet < (unit.packet ?? 99)).length;
      const packetsBefore = units.slice(0, units.indexOf(unit)).filter((other) => other.packet !== undefined).length;
      if (cut - start < 12) return `the file ends inside a pcapng block header (after ${packetsBefore} packets)`;
      if (unit.packet !== undefined) return `the file ends inside packet ${before + 1}`;
      return `the file ends inside a pcapng block of type 0x${(unit.type ?? 0).toString(16).padStart(8, '0')} (after ${packetsBefore} packets)`;
    });
  });
});

describe('hostile input', () => {
  it('reports what is neither pcap nor pcapng, and stops', () => {
    const gzip = Uint8Array.of(0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4);
    const { sink, format } = readInChunks(gzip, 1);
    expect(format).toBeNull();
    expect(sink.events).toEqual([{ kind: 'problem', text: 'not a pcap or pcapng file (it starts with 1f 8b 08 00)' }]);
  });

  it('reports at most 20 problems, then how many more', () => {
    const broken = Array.from({ length: 30 }, (_, i) =>
      epb(true, { interfaceId: 0, ticks: BigInt(i), data: payload(8), capturedLength: 100 }),
    );
    const { sink } = readInChunks(concat(shb(true), idb(true, 1, 0), ...broken));
    expect(sink.problems).toHaveLength(21);
    expect(sink.problems[0]).toBe('packet 1 claims 100 bytes, more than its block holds: skipped');
    expect(sink.problems[20]).toBe('10 more problems');
  });

  it('never throws: a sink that throws stops the reading, and the reader says so', () => {
    const problems: string[] = [];
    const reader = new CaptureFileReader({
      interface() {},
      packet() {
        throw new Error('the analysis broke');
      },
      problem(text) {
        problems.push(text);
      },
    });
    const file = pcapFile({
      littleEndian: true,
      linkTypeField: 1,
      snapLength: 0,
      records: [1, 2].map((seed) => ({ seconds: 1, fraction: 0, data: payload(4, seed) })),
    });
    expect(() => {
      reader.write(file);
      reader.write(file);
      reader.end();
      reader.end();
    }).not.toThrow();
    expect(problems).toEqual(['reading stopped on an internal error: the analysis broke']);
  });

  it('survives corpus files with bytes overwritten at random, in any chunking', () => {
    const corpus = new URL('../fixtures/corpus/pcap/', import.meta.url);
    const names = ['dns_udp.pcap', 'of10_7050q.pcapng', 'isis-seg-fault-2.pcapng', 'bgp-4byte-asn.pcap'];
    let seed = 12_345;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (const name of names) {
      const original = readFileSync(new URL(name, corpus));
      for (let round = 0; round < 200; round++) {
        const mutated = Uint8Array.from(original);
        const changes = 1 + Math.floor(random() * 4);
        for (let i = 0; i < changes; i++) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        const { sink } = readInChunks(mutated, 1 + Math.floor(random() * 64));
        expect(sink.problems.length).toBeLessThanOrEqual(21);
        expect(sink.problems.every((text) => !text.includes('internal error'))).toBe(true);
      }
    }
  });
});

interface WiresharkSummary {
  format: 'pcap' | 'pcapng' | null;
  packets: number;
  linkTypes: (number | null)[];
  capturedBytes: number;
  originalBytes: number;
  packetsOverSnapLength: number;
  packetsOverOriginalLength: number;
  packetsWithoutTime: number;
  firstPacketUs: number | null;
  lastPacketUs: number | null;
}

interface FixtureFile extends WiresharkSummary {
  readFully: boolean;
  wiresharkError?: string;
  cut: { length: number; readFully: boolean; packets: number; capturedBytes: number; originalBytes: number };
}

interface Fixture {
  wireshark: string;
  disagreements: Record<string, { reason: string; fields: string[] }>;
  files: Record<string, FixtureFile>;
}

describe('the corpus (tcpdump test captures), against what Wireshark reads in them (capinfos.json)', () => {
  const corpus = new URL('../fixtures/corpus/pcap/', import.meta.url);
  const fixture = JSON.parse(
    readFileSync(new URL('../fixtures/corpus/capinfos.json', import.meta.url), 'utf8'),
  ) as Fixture;
  const names = Object.keys(fixture.files);
  const tallies = {
    packetsOverSnapLength: /^(?:(\d+) packets hold|packet \d+ holds) more bytes than the snap length/,
    packetsOverOriginalLength:
      /^(?:(\d+) packets hold|packet \d+ holds) more bytes than (?:their|its) length on the wire/,
    packetsWithoutTime: /^(?:(\d+) packets have|packet \d+ has) a sub-second field of a second or more/,
  } as const;

  /** What the reader found, in the fixture's terms, and the problems no tally explains. */
  function summarize(bytes: Uint8Array, chunk: number): { summary: WiresharkSummary; otherProblems: string[] } {
    const { sink, format } = readInChunks(bytes, chunk);
    const packets = sink.packets;
    const timed = packets.filter((packet) => packet.timestampUs !== null);
    const counted = (pattern: RegExp) =>
      sink.problems.reduce((sum, text) => {
        const match = pattern.exec(text);
        return match ? sum + Number(match[1] ?? 1) : sum;
      }, 0);
    const untimed = packets.length - timed.length;
    return {
      summary: {
        format: format as WiresharkSummary['format'],
        packets: packets.length,
        linkTypes: [...new Set(packets.map((packet) => packet.linkType))].sort((a, b) => a - b),
        capturedBytes: packets.reduce((sum, packet) => sum + packet.capturedLength, 0),
        originalBytes: packets.reduce((sum, packet) => sum + packet.originalLength, 0),
        packetsOverSnapLength: counted(tallies.packetsOverSnapLength),
        packetsOverOriginalLength: counted(tallies.packetsOverOriginalLength),
        // Packets without time must each be reported.
        packetsWithoutTime: counted(tallies.packetsWithoutTime) === untimed ? untimed : -1,
        firstPacketUs: timed[0]?.timestampUs ?? null,
        lastPacketUs: timed[timed.length - 1]?.timestampUs ?? null,
      },
      otherProblems: sink.problems.filter((text) => !Object.values(tallies).some((pattern) => pattern.test(text))),
    };
  }

  function expectedOf(name: string, entry: WiresharkSummary, got: WiresharkSummary): WiresharkSummary {
    const expected: WiresharkSummary = {
      format: entry.format,
      packets: entry.packets,
      linkTypes: entry.linkTypes,
      capturedBytes: entry.capturedBytes,
      originalBytes: entry.originalBytes,
      packetsOverSnapLength: entry.packetsOverSnapLength,
      packetsOverOriginalLength: entry.packetsOverOriginalLength,
      packetsWithoutTime: entry.packetsWithoutTime,
      firstPacketUs: entry.firstPacketUs,
      lastPacketUs: entry.lastPacketUs,
    };
    for (const field of fixture.disagreements[name]?.fields ?? []) {
      (expected as unknown as Record<string, unknown>)[field] = (got as unknown as Record<string, unknown>)[field];
    }
    return expected;
  }

  it('has an entry for each corpus file', () => {
    const files = readdirSync(corpus).filter((name) => /\.pcap(ng)?$/.test(name));
    expect(names.sort()).toEqual(files.sort());
    expect(names.length).toBeGreaterThan(400);
  });

  it('agrees with Wireshark on every file it reads fully: format, packets, link types, bytes, first and last time', () => {
    const mismatches: unknown[] = [];
    let compared = 0;
    for (const name of names) {
      const entry = fixture.files[name];
      if (!entry?.readFully) continue;
      const bytes = readFileSync(new URL(name, corpus));
      for (const chunk of [0, 1, 7, 1500]) {
        const { summary, otherProblems } = summarize(bytes, chunk);
        const expected = expectedOf(name, entry, summary);
        if (JSON.stringify(summary) !== JSON.stringify(expected) || otherProblems.length > 0) {
          mismatches.push({ name, chunk, summary, expected, otherProblems });
        }
      }
      compared++;
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(400);
  });

  it('reads each file cut short as Wireshark does: the packets before the cut, and a problem where it falls inside one', () => {
    const mismatches: unknown[] = [];
    let damaged = 0;
    for (const name of names) {
      const entry = fixture.files[name];
      if (!entry) continue;
      const bytes = readFileSync(new URL(name, corpus)).subarray(0, entry.cut.length);
      for (const chunk of [0, 3, 1024]) {
        const { sink } = readInChunks(bytes, chunk);
        const packets = sink.packets;
        const disputed = fixture.disagreements[name]?.fields ?? [];
        const got = {
          packets: packets.length,
          capturedBytes: disputed.includes('capturedBytes')
            ? entry.cut.capturedBytes
            : packets.reduce((sum, packet) => sum + packet.capturedLength, 0),
          originalBytes: disputed.includes('originalBytes')
            ? entry.cut.originalBytes
            : packets.reduce((sum, packet) => sum + packet.originalLength, 0),
          cutShort: sink.problems.some((text) => text.startsWith('the file ends inside')),
        };
        const expected = {
          packets: entry.cut.packets,
          capturedBytes: entry.cut.capturedBytes,
          originalBytes: entry.cut.originalBytes,
          cutShort: disputed.includes('cut.readFully') ? got.cutShort : !entry.cut.readFully,
        };
        if (JSON.stringify(got) !== JSON.stringify(expected)) mismatches.push({ name, chunk, got, expected });
      }
      if (!entry.cut.readFully) damaged++;
    }
    expect(mismatches).toEqual([]);
    expect(damaged).toBeGreaterThan(400);
  });

  it('names each disagreement with Wireshark, with its reason and the fields it concerns', () => {
    for (const [name, disagreement] of Object.entries(fixture.disagreements)) {
      expect(names).toContain(name);
      expect(disagreement.reason.length).toBeGreaterThan(20);
      expect(disagreement.fields.length).toBeGreaterThan(0);
    }
    expect(Object.keys(fixture.disagreements).length).toBeLessThan(10);
  });
});
