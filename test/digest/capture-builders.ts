import { CaptureFileReader, type CaptureFileReaderOptions } from '../../src/digest/capture-file.js';
import type {
  CapturedPacket,
  CaptureInterface,
  CaptureInterfaceStatistics,
  CaptureSink,
} from '../../src/digest/model.js';

/** Capture files built byte by byte for the tests (layouts from the pcap and pcapng drafts), and a sink that records. */

export type RecordedEvent =
  | { kind: 'interface'; description: CaptureInterface }
  | { kind: 'packet'; packet: CapturedPacket }
  | { kind: 'statistics'; statistics: CaptureInterfaceStatistics }
  | { kind: 'problem'; text: string };

export class RecordingSink implements CaptureSink {
  readonly events: RecordedEvent[] = [];

  interface(description: CaptureInterface): void {
    this.events.push({ kind: 'interface', description: { ...description } });
  }

  packet(packet: CapturedPacket): void {
    if (packet.data.length !== packet.capturedLength) {
      throw new Error(`data holds ${packet.data.length} bytes, capturedLength says ${packet.capturedLength}`);
    }
    // `data` is valid only during the call: keep a copy.
    this.events.push({ kind: 'packet', packet: { ...packet, data: packet.data.slice() } });
  }

  statistics(statistics: CaptureInterfaceStatistics): void {
    this.events.push({ kind: 'statistics', statistics: { ...statistics } });
  }

  problem(text: string): void {
    this.events.push({ kind: 'problem', text });
  }

  get packets(): CapturedPacket[] {
    return this.events.flatMap((event) => (event.kind === 'packet' ? [event.packet] : []));
  }

  get problems(): string[] {
    return this.events.flatMap((event) => (event.kind === 'problem' ? [event.text] : []));
  }

  get interfaces(): CaptureInterface[] {
    return this.events.flatMap((event) => (event.kind === 'interface' ? [event.description] : []));
  }
}

/** Feeds `bytes` to a reader in chunks of `chunkSize` (0: all at once), then ends it. */
export function readInChunks(
  bytes: Uint8Array,
  chunkSize = 0,
  options?: CaptureFileReaderOptions,
): { sink: RecordingSink; format: string | null } {
  const sink = new RecordingSink();
  const reader = new CaptureFileReader(sink, options);
  const step = chunkSize > 0 ? chunkSize : Math.max(bytes.length, 1);
  for (let offset = 0; offset < bytes.length; offset += step) reader.write(bytes.subarray(offset, offset + step));
  reader.end();
  return { sink, format: reader.format };
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Recognisable packet bytes: `length` bytes, each depending on `seed` and its place. */
export function payload(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 7 + seed * 31) & 0xff);
}

// Classic pcap.

export interface PcapRecord {
  seconds: number;
  /** Microseconds or nanoseconds, as the file says. */
  fraction: number;
  data: Uint8Array;
  originalLength?: number;
  /** A captured length other than data.length (for broken records). */
  capturedLength?: number;
}

export function pcapFile(options: {
  littleEndian: boolean;
  magic?: number;
  linkTypeField: number;
  snapLength: number;
  records: PcapRecord[];
  /** Bytes after each record header's four fields (8 for the "modified pcap" layout). */
  extraRecordHeader?: number;
}): Uint8Array {
  const le = options.littleEndian;
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, options.magic ?? 0xa1b2c3d4, le);
  header.setUint16(4, 2, le);
  header.setUint16(6, 4, le);
  header.setUint32(16, options.snapLength, le);
  header.setUint32(20, options.linkTypeField, le);
  const extra = options.extraRecordHeader ?? 0;
  const records = options.records.map((record) => {
    const view = new DataView(new ArrayBuffer(16 + extra));
    view.setUint32(0, record.seconds, le);
    view.setUint32(4, record.fraction, le);
    view.setUint32(8, record.capturedLength ?? record.data.length, le);
    view.setUint32(12, record.originalLength ?? record.data.length, le);
    return concat(new Uint8Array(view.buffer), record.data);
  });
  return concat(new Uint8Array(header.buffer), ...records);
}

// pcapng.

function padded(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array((bytes.length + 3) & ~3);
  out.set(bytes);
  return out;
}

/** A block: type, total length, body (padded to 4), total length again (`trailer` to break it). */
export function block(le: boolean, type: number, body: Uint8Array, broken: { trailer?: number } = {}): Uint8Array {
  const content = padded(body);
  const length = 12 + content.length;
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, le);
  view.setUint32(4, length, le);
  out.set(content, 8);
  view.setUint32(length - 4, broken.trailer ?? length, le);
  return out;
}

export function option(le: boolean, code: number, value: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4));
  head.setUint16(0, code, le);
  head.setUint16(2, value.length, le);
  return concat(new Uint8Array(head.buffer), padded(value));
}

export function endOfOptions(): Uint8Array {
  return new Uint8Array(4);
}

export function u64(le: boolean, value: bigint): Uint8Array {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, value, le);
  return new Uint8Array(view.buffer);
}

export function shb(le: boolean, version: { major: number; minor: number } = { major: 1, minor: 0 }): Uint8Array {
  const body = new DataView(new ArrayBuffer(16));
  body.setUint32(0, 0x1a2b3c4d, le);
  body.setUint16(4, version.major, le);
  body.setUint16(6, version.minor, le);
  body.setBigInt64(8, -1n, le); // section length not given
  const userApplication = option(le, 4, new TextEncoder().encode('capture-builders'));
  return block(le, 0x0a0d0d0a, concat(new Uint8Array(body.buffer), userApplication, endOfOptions()));
}

export function idb(le: boolean, linkType: number, snapLength: number, options: Uint8Array[] = []): Uint8Array {
  const body = new DataView(new ArrayBuffer(8));
  body.setUint16(0, linkType, le);
  body.setUint32(4, snapLength, le);
  const tail = options.length > 0 ? [...options, endOfOptions()] : [];
  return block(le, 1, concat(new Uint8Array(body.buffer), ...tail));
}

export function packetBlockBody(
  le: boolean,
  first: Uint8Array,
  ticks: bigint,
  data: Uint8Array,
  originalLength: number,
  capturedLength: number,
): Uint8Array {
  const fixed = new DataView(new ArrayBuffer(16));
  fixed.setUint32(0, Number(ticks >> 32n), le);
  fixed.setUint32(4, Number(ticks & 0xffffffffn), le);
  fixed.setUint32(8, capturedLength, le);
  fixed.setUint32(12, originalLength, le);
  return concat(first, new Uint8Array(fixed.buffer), padded(data));
}

export interface BlockPacket {
  interfaceId: number;
  ticks: bigint;
  data: Uint8Array;
  originalLength?: number;
  capturedLength?: number;
}

export function epb(le: boolean, packet: BlockPacket, options: Uint8Array[] = []): Uint8Array {
  const id = new DataView(new ArrayBuffer(4));
  id.setUint32(0, packet.interfaceId, le);
  const body = packetBlockBody(
    le,
    new Uint8Array(id.buffer),
    packet.ticks,
    packet.data,
    packet.originalLength ?? packet.data.length,
    packet.capturedLength ?? packet.data.length,
  );
  const tail = options.length > 0 ? [...options, endOfOptions()] : [];
  return block(le, 6, concat(body, ...tail));
}

/** The obsolete Packet Block (type 2): a 16-bit interface id and a 16-bit drop count. */
export function pb(le: boolean, packet: BlockPacket, drops = 0): Uint8Array {
  const first = new DataView(new ArrayBuffer(4));
  first.setUint16(0, packet.interfaceId, le);
  first.setUint16(2, drops, le);
  const body = packetBlockBody(
    le,
    new Uint8Array(first.buffer),
    packet.ticks,
    packet.data,
    packet.originalLength ?? packet.data.length,
    packet.capturedLength ?? packet.data.length,
  );
  return block(le, 2, body);
}

export function spb(le: boolean, originalLength: number, data: Uint8Array): Uint8Array {
  const head = new DataView(new ArrayBuffer(4));
  head.setUint32(0, originalLength, le);
  return block(le, 3, concat(new Uint8Array(head.buffer), data));
}

export function isb(le: boolean, interfaceId: number, ticks: bigint, counters: Record<number, bigint>): Uint8Array {
  const head = new DataView(new ArrayBuffer(12));
  head.setUint32(0, interfaceId, le);
  head.setUint32(4, Number(ticks >> 32n), le);
  head.setUint32(8, Number(ticks & 0xffffffffn), le);
  const options = Object.entries(counters).map(([code, value]) => option(le, Number(code), u64(le, value)));
  return block(le, 5, concat(new Uint8Array(head.buffer), ...options, endOfOptions()));
}
