import { createHash } from 'node:crypto';
import { SeededRandom } from './random.js';

export type CaptureInterface = 'default' | 'tunnel';

/** Link types from https://www.tcpdump.org/linktypes.html */
export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_RAW = 101;
export const PCAP_GLOBAL_HEADER_SIZE = 24;
export const PCAP_RECORD_HEADER_SIZE = 16;
export const MAX_SNAP_LENGTH = 1500;

export interface PcapSpec {
  /** The command id: the same seed and interface always give the same bytes. */
  readonly seed: string;
  readonly captureInterface: CaptureInterface;
  readonly platform: string;
  readonly snapLength: number;
  /** Time of the first packet. */
  readonly startTime: Date;
  /** The file is as large as this allows, never larger (unless below the 24-byte global header). */
  readonly budgetBytes: number;
}

export interface PcapFile {
  /** Exact byte length: global header plus every record. */
  readonly size: number;
  readonly linkType: number;
  readonly packetCount: number;
  /** The file's bytes in 64 KiB chunks, generated on demand. */
  chunks(): Generator<Buffer>;
}

interface Link {
  readonly linkType: number;
  readonly headerLength: number;
  readonly maxPacketLength: number;
  readonly mss: number;
}

const ETHERNET_LINK: Link = { linkType: LINKTYPE_ETHERNET, headerLength: 14, maxPacketLength: 1514, mss: 1460 };
/** The WARP interface has an MTU of 1280 and no link-layer header. */
const TUNNEL_LINK: Link = { linkType: LINKTYPE_RAW, headerLength: 0, maxPacketLength: 1280, mss: 1240 };

const CHUNK_SIZE = 64 * 1024;
const POOL_SIZE = 16 * 1024;
const SCRATCH_SIZE = 4096;
/** Room for the largest structured payload: a ClientHello with a 255-byte host name. */
const PREFIX_CAPACITY = 512;
const PCAP_MAGIC = 0xa1b2c3d4;

const IPV4_HEADER = 20;
const TCP_HEADER = 20;
const TCP_SYN_HEADER = 32;
const UDP_HEADER = 8;
const PROTOCOL_TCP = 6;
const PROTOCOL_UDP = 17;
const TCP_FIN = 0x01;
const TCP_SYN = 0x02;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;
const IP_DONT_FRAGMENT = 0x4000;

/** Bigger captures ran longer, up to the 10-minute time limit of the API. */
const CAPTURE_BYTES_PER_SECOND = 200_000;
const MIN_CAPTURE_MICROS = 5e6;
const MAX_CAPTURE_MICROS = 600e6;

const WIREGUARD_PORT = 2408;
const HTTPS_PORT = 443;
const DNS_PORT = 53;
const TUNNEL_ADDRESS = ipv4('172.16.0.2');
const TUNNEL_RESOLVER = ipv4('172.64.36.1');
const LAN_PREFIXES = ['192.168.1', '192.168.0', '192.168.86', '10.0.0', '172.20.10'] as const;
const CLOUDFLARE_NETWORKS = ['104.16', '104.17', '104.18', '104.19', '162.159', '172.64', '172.67'].map((net) =>
  ipv4(`${net}.0.0`),
);
const WARP_HOSTNAMES = [
  'engage.cloudflareclient.com',
  'connectivity.cloudflareclient.com',
  'zero-trust-client.cloudflareclient.com',
  'api.cloudflareclient.com',
] as const;
const APP_HOSTNAMES = [
  'www.cloudflare.com',
  'dash.cloudflare.com',
  'cdnjs.cloudflare.com',
  'speed.cloudflare.com',
  'one.one.one.one',
  'intranet.example.com',
  'wiki.example.com',
  'git.example.com',
  'app.example.net',
  'files.example.org',
] as const;

/** Smallest and largest pcap record (header + captured bytes) on a link at a snap length. */
interface RecordSizeRange {
  readonly min: number;
  readonly max: number;
}

/** The size the file will have for this budget; cheap, so the zip can be laid out before generating anything. */
export function pcapSize(spec: Pick<PcapSpec, 'captureInterface' | 'snapLength' | 'budgetBytes'>): number {
  const range = recordSizeRange(linkFor(spec.captureInterface), validSnapLength(spec.snapLength));
  const recordBudget = Math.max(0, Math.floor(spec.budgetBytes) - PCAP_GLOBAL_HEADER_SIZE);
  return PCAP_GLOBAL_HEADER_SIZE + largestFillable(recordBudget, range);
}

/** Lays out a capture file. Counting its packets runs the traffic model once (without rendering bytes). */
export function createPcap(spec: PcapSpec): PcapFile {
  const size = pcapSize(spec);
  const link = linkFor(spec.captureInterface);
  const model = new TrafficModel(spec, size);
  let packetCount = 0;
  while (model.next()) packetCount++;
  return { size, linkType: link.linkType, packetCount, chunks: () => pcapChunks(spec, size) };
}

function* pcapChunks(spec: PcapSpec, size: number): Generator<Buffer> {
  const link = linkFor(spec.captureInterface);
  const model = new TrafficModel(spec, size);
  const { pool, ethernet } = model;
  const builder = new ChunkBuilder(pool.bytes);
  const scratch = withPool(SCRATCH_SIZE, pool.bytes);
  let produced = 0;
  writeGlobalHeader(scratch, spec.snapLength, link.linkType);
  builder.append(scratch, PCAP_GLOBAL_HEADER_SIZE);
  while (model.next()) {
    const { packet } = model;
    const recordLength = PCAP_RECORD_HEADER_SIZE + Math.min(packet.length, spec.snapLength);
    let full: Buffer | undefined;
    // Most records are rendered in place; one that straddles two chunks goes through the scratch buffer.
    if (builder.hasRoomFor(Math.max(recordLength, renderedHeaderExtent(packet, link)))) {
      writeRecord(builder.area, builder.used, CHUNK_SIZE, packet, link, spec.snapLength, pool, ethernet);
      full = builder.advance(recordLength);
    } else {
      writeRecord(scratch, 0, SCRATCH_SIZE, packet, link, spec.snapLength, pool, ethernet);
      full = builder.append(scratch, recordLength);
    }
    if (full) {
      produced += full.length;
      yield full;
    }
  }
  const rest = builder.flush();
  produced += rest?.length ?? 0;
  if (produced !== size) throw new Error(`pcap generator produced ${produced} bytes instead of ${size}`);
  if (rest) yield rest;
}

function writeGlobalHeader(out: Buffer, snapLength: number, linkType: number): number {
  out.writeUInt32LE(PCAP_MAGIC, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeInt32LE(0, 8); // thiszone: timestamps are UTC
  out.writeUInt32LE(0, 12); // sigfigs
  out.writeUInt32LE(snapLength, 16);
  out.writeUInt32LE(linkType, 20);
  return PCAP_GLOBAL_HEADER_SIZE;
}

/**
 * Collects records into fresh 64 KiB chunks (a chunk handed to a stream must never be written again). Each chunk's
 * memory is followed by a copy of the random pool, so payload bytes move with copyWithin, which allocates nothing.
 */
class ChunkBuilder {
  area: Buffer;
  used = 0;

  constructor(private readonly poolBytes: Buffer) {
    this.area = withPool(CHUNK_SIZE, poolBytes);
  }

  hasRoomFor(length: number): boolean {
    return this.used + length <= CHUNK_SIZE;
  }

  /** Accounts for `length` bytes written in place at `used`; returns the chunk this completed, if any. */
  advance(length: number): Buffer | undefined {
    this.used += length;
    return this.used === CHUNK_SIZE ? this.startNext() : undefined;
  }

  /** Copies `length` (< one chunk) bytes of `source` in; returns the chunk this completed, if any. */
  append(source: Buffer, length: number): Buffer | undefined {
    const head = Math.min(length, CHUNK_SIZE - this.used);
    source.copy(this.area, this.used, 0, head);
    this.used += head;
    if (this.used < CHUNK_SIZE) return undefined;
    const full = this.startNext();
    this.used = source.copy(this.area, 0, head, length);
    return full;
  }

  flush(): Buffer | undefined {
    return this.used > 0 ? this.area.subarray(0, this.used) : undefined;
  }

  private startNext(): Buffer {
    const full = this.area.subarray(0, CHUNK_SIZE);
    this.area = withPool(CHUNK_SIZE, this.poolBytes);
    this.used = 0;
    return full;
  }
}

/** `length` bytes of working space followed by a copy of the pool. */
function withPool(length: number, poolBytes: Buffer): Buffer {
  const area = Buffer.allocUnsafeSlow(length + poolBytes.length);
  poolBytes.copy(area, length);
  return area;
}

// ---------------------------------------------------------------------------------------------------------------
// Exact sizing: records are 16 bytes plus min(packet length, snap length); any total that is a sum of record sizes
// in [range.min, range.max] can be hit exactly by shaping the last few packets.

function recordSizeRange(link: Link, snapLength: number): RecordSizeRange {
  const smallestPacket = link.headerLength + IPV4_HEADER + TCP_HEADER; // a bare TCP ACK
  return {
    min: PCAP_RECORD_HEADER_SIZE + Math.min(smallestPacket, snapLength),
    max: PCAP_RECORD_HEADER_SIZE + Math.min(link.maxPacketLength, snapLength),
  };
}

function isFillable(bytes: number, range: RecordSizeRange): boolean {
  return bytes >= 0 && bytes <= Math.floor(bytes / range.min) * range.max;
}

function largestFillable(bytes: number, range: RecordSizeRange): number {
  return Math.min(bytes, Math.floor(bytes / range.min) * range.max);
}

function validSnapLength(snapLength: number): number {
  if (!Number.isInteger(snapLength) || snapLength < 1 || snapLength > MAX_SNAP_LENGTH) {
    throw new RangeError(`snap length must be an integer from 1 to ${MAX_SNAP_LENGTH}, got ${snapLength}`);
  }
  return snapLength;
}

function linkFor(captureInterface: CaptureInterface): Link {
  return captureInterface === 'default' ? ETHERNET_LINK : TUNNEL_LINK;
}

// ---------------------------------------------------------------------------------------------------------------
// Rendering: one packet description into one pcap record, with valid IPv4, TCP and UDP checksums.

interface Flow {
  readonly protocol: number;
  readonly clientAddress: number;
  readonly serverAddress: number;
  readonly clientPort: number;
  readonly serverPort: number;
  readonly serverTtl: number;
  readonly clientWindow: number;
  readonly serverWindow: number;
  clientSeq: number;
  serverSeq: number;
  serverIpId: number;
}

/** A packet the model decided on; the objects are reused from episode to episode so that little is allocated. */
interface Packet {
  flow: Flow;
  fromClient: boolean;
  ttl: number;
  ipId: number;
  tcpFlags: number;
  seq: number;
  ack: number;
  window: number;
  /** Structured payload bytes (DNS, TLS and tunnel headers), then `poolLength` random bytes from the pool. */
  prefix: Buffer;
  prefixLength: number;
  poolOffset: number;
  poolLength: number;
  /** On-the-wire length including the link-layer header (orig_len). */
  length: number;
  timestampMicros: number;
}

/** Random bytes standing in for ciphertext, with prefix sums of their 16-bit words for O(1) checksums. */
interface RandomPool {
  readonly bytes: Buffer;
  readonly wordSums: Float64Array;
}

interface EthernetHeaders {
  readonly outbound: Buffer;
  readonly inbound: Buffer;
}

/**
 * Writes the record for `packet` at `out[base]`; `out` holds a copy of the pool bytes at `poolBase`. Headers are
 * always written whole, so when the snap length cuts into them a few bytes land past the record; the caller leaves
 * room for that (see renderedHeaderExtent) and the next record overwrites them. Checksums are summed from the field
 * values rather than read back from the bytes.
 */
function writeRecord(
  out: Uint8Array,
  base: number,
  poolBase: number,
  packet: Packet,
  link: Link,
  snapLength: number,
  pool: RandomPool,
  ethernet: EthernetHeaders,
): void {
  const capturedLength = Math.min(packet.length, snapLength);
  const seconds = Math.floor(packet.timestampMicros / 1e6);
  put32le(out, base, seconds);
  put32le(out, base + 4, packet.timestampMicros - seconds * 1e6);
  put32le(out, base + 8, capturedLength);
  put32le(out, base + 12, packet.length);

  let ip = base + PCAP_RECORD_HEADER_SIZE;
  if (link.headerLength > 0) {
    copyBytes(packet.fromClient ? ethernet.outbound : ethernet.inbound, 0, out, ip, link.headerLength);
    ip += link.headerLength;
  }
  const { flow } = packet;
  const source = packet.fromClient ? flow.clientAddress : flow.serverAddress;
  const destination = packet.fromClient ? flow.serverAddress : flow.clientAddress;
  const addressSum = (source >>> 16) + (source & 0xffff) + (destination >>> 16) + (destination & 0xffff);
  const ipLength = packet.length - link.headerLength;
  const ttlAndProtocol = (packet.ttl << 8) | flow.protocol;
  out[ip] = 0x45;
  out[ip + 1] = 0;
  put16(out, ip + 2, ipLength);
  put16(out, ip + 4, packet.ipId);
  put16(out, ip + 6, IP_DONT_FRAGMENT);
  put16(out, ip + 8, ttlAndProtocol);
  put16(
    out,
    ip + 10,
    internetChecksum(0x4500 + ipLength + packet.ipId + IP_DONT_FRAGMENT + ttlAndProtocol + addressSum),
  );
  put32(out, ip + 12, source);
  put32(out, ip + 16, destination);

  const transport = ip + IPV4_HEADER;
  const transportLength = ipLength - IPV4_HEADER;
  const sourcePort = packet.fromClient ? flow.clientPort : flow.serverPort;
  const destinationPort = packet.fromClient ? flow.serverPort : flow.clientPort;
  let sum = addressSum + flow.protocol + transportLength + sourcePort + destinationPort;
  let payload: number;
  let checksumAt: number;
  put16(out, transport, sourcePort);
  put16(out, transport + 2, destinationPort);
  if (flow.protocol === PROTOCOL_TCP) {
    const isSyn = (packet.tcpFlags & TCP_SYN) !== 0;
    const headerLength = isSyn ? TCP_SYN_HEADER : TCP_HEADER;
    const offsetAndFlags = ((headerLength / 4) << 12) | packet.tcpFlags;
    put32(out, transport + 4, packet.seq);
    put32(out, transport + 8, packet.ack);
    put16(out, transport + 12, offsetAndFlags);
    put16(out, transport + 14, packet.window);
    put32(out, transport + 16, 0); // checksum (below) and urgent pointer
    sum += (packet.seq >>> 16) + (packet.seq & 0xffff) + (packet.ack >>> 16) + (packet.ack & 0xffff);
    sum += offsetAndFlags + packet.window;
    if (isSyn) {
      // MSS, NOP + window scale 8, NOP NOP + SACK permitted
      put32(out, transport + 20, 0x02040000 | link.mss);
      put32(out, transport + 24, 0x01030308);
      put32(out, transport + 28, 0x01010402);
      sum += 0x0204 + link.mss + 0x0103 + 0x0308 + 0x0101 + 0x0402;
    }
    payload = transport + headerLength;
    checksumAt = transport + 16;
  } else {
    put16(out, transport + 4, transportLength);
    put16(out, transport + 6, 0);
    sum += transportLength;
    payload = transport + UDP_HEADER;
    checksumAt = transport + 6;
  }

  copyBytes(packet.prefix, 0, out, payload, packet.prefixLength);
  sum += sumWords(packet.prefix, packet.prefixLength);
  const poolSum = foldSum(poolWordSum(pool, packet.poolOffset, packet.poolLength));
  // Pool bytes after an odd-length prefix form their words byte-swapped (RFC 1071, byte order independence).
  sum += packet.prefixLength % 2 === 0 ? poolSum : swapBytes(poolSum);
  const checksum = internetChecksum(sum);
  // For UDP a zero checksum means "none"; the same sum is sent as 0xffff.
  put16(out, checksumAt, checksum === 0 && flow.protocol === PROTOCOL_UDP ? 0xffff : checksum);

  const tail = payload + packet.prefixLength;
  const recordEnd = base + PCAP_RECORD_HEADER_SIZE + capturedLength;
  if (tail < recordEnd) {
    const poolStart = poolBase + packet.poolOffset;
    out.copyWithin(tail, poolStart, poolStart + Math.min(packet.poolLength, recordEnd - tail));
  }
}

/** How far past its start writeRecord writes the headers and prefix of `packet`, whatever the snap length. */
function renderedHeaderExtent(packet: Packet, link: Link): number {
  const transportHeader =
    packet.flow.protocol === PROTOCOL_UDP ? UDP_HEADER : packet.tcpFlags & TCP_SYN ? TCP_SYN_HEADER : TCP_HEADER;
  return PCAP_RECORD_HEADER_SIZE + link.headerLength + IPV4_HEADER + transportHeader + packet.prefixLength;
}

function put16(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 8;
  bytes[offset + 1] = value;
}

function put32(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value >>> 24;
  bytes[offset + 1] = value >>> 16;
  bytes[offset + 2] = value >>> 8;
  bytes[offset + 3] = value;
}

function put32le(bytes: Uint8Array, offset: number, value: number): void {
  bytes[offset] = value;
  bytes[offset + 1] = value >>> 8;
  bytes[offset + 2] = value >>> 16;
  bytes[offset + 3] = value >>> 24;
}

/** Buffer#copy and subarray allocate a view per call; the short spans copied here are cheaper as a loop. */
function copyBytes(source: Uint8Array, sourceStart: number, target: Uint8Array, targetStart: number, length: number) {
  if (length > 64) {
    target.set(source.subarray(sourceStart, sourceStart + length), targetStart);
    return;
  }
  for (let index = 0; index < length; index++) {
    target[targetStart + index] = source[sourceStart + index] as number;
  }
}

/** Sum of the big-endian 16-bit words of bytes [0, length); an odd last byte is padded with zero. */
function sumWords(bytes: Uint8Array, length: number): number {
  let sum = 0;
  let index = 0;
  for (; index + 1 < length; index += 2) sum += ((bytes[index] as number) << 8) | (bytes[index + 1] as number);
  if (index < length) sum += (bytes[index] as number) << 8;
  return sum;
}

function poolWordSum(pool: RandomPool, offset: number, length: number): number {
  const end = offset + length;
  const evenEnd = end - (length % 2);
  let sum = (pool.wordSums[evenEnd / 2] as number) - (pool.wordSums[offset / 2] as number);
  if (evenEnd < end) sum += (pool.bytes[evenEnd] as number) << 8;
  return sum;
}

/** Folds a sum of 16-bit words (below 2^32) into 16 bits with end-around carry. */
function foldSum(sum: number): number {
  const once = (sum & 0xffff) + (sum >>> 16);
  return (once & 0xffff) + (once >>> 16);
}

function internetChecksum(sum: number): number {
  return ~foldSum(sum) & 0xffff;
}

function swapBytes(word: number): number {
  return ((word & 0xff) << 8) | (word >>> 8);
}

function createRandomPool(random: SeededRandom): RandomPool {
  const bytes = Buffer.allocUnsafe(POOL_SIZE);
  for (let offset = 0; offset < POOL_SIZE; offset += 4) {
    bytes.writeUInt32LE(Math.floor(random.next() * 0x1_0000_0000), offset);
  }
  const wordSums = new Float64Array(POOL_SIZE / 2 + 1);
  let sum = 0;
  for (let word = 0; word < POOL_SIZE / 2; word++) {
    sum += bytes.readUInt16BE(word * 2);
    wordSums[word + 1] = sum;
  }
  return { bytes, wordSums };
}

// ---------------------------------------------------------------------------------------------------------------
// The traffic model: decides every packet (what, when, how long) but renders nothing, so the same model both counts
// packets for results.json and drives the bytes.

/** Writes the structured part of a payload (direct index writes: this runs for nearly every packet). */
class PrefixWriter {
  bytes: Buffer = Buffer.alloc(PREFIX_CAPACITY);
  length = 0;

  u8(value: number): this {
    this.bytes[this.length++] = value;
    return this;
  }

  u16(value: number): this {
    put16(this.bytes, this.length, value);
    this.length += 2;
    return this;
  }

  u24(value: number): this {
    return this.u8(value >>> 16).u16(value & 0xffff);
  }

  u32(value: number): this {
    put32(this.bytes, this.length, value);
    this.length += 4;
    return this;
  }

  u32le(value: number): this {
    put32le(this.bytes, this.length, value);
    this.length += 4;
    return this;
  }

  ascii(text: string): this {
    this.length += this.bytes.write(text, this.length, 'latin1');
    return this;
  }

  copy(source: Uint8Array, start: number, end: number): this {
    copyBytes(source, start, this.bytes, this.length, end - start);
    this.length += end - start;
    return this;
  }

  /** Starts a 16-bit (or 24-bit) length field; `close` fills it with the number of bytes written since. */
  open16(): number {
    this.u16(0);
    return this.length;
  }

  close16(start: number): void {
    put16(this.bytes, start - 2, this.length - start);
  }

  open24(): number {
    this.u24(0);
    return this.length;
  }

  close24(start: number): void {
    const length = this.length - start;
    this.bytes[start - 3] = length >>> 16;
    put16(this.bytes, start - 2, length & 0xffff);
  }
}

interface HostProfile {
  readonly address: number;
  readonly resolver: number;
  readonly ttl: number;
  readonly ephemeralPorts: readonly [number, number];
}

/** The last few records, sized so the file ends exactly at its planned size. */
interface TailPlan {
  readonly baseSize: number;
  readonly largerCount: number;
  emitted: number;
}

class TrafficModel {
  /** The packet chosen by the last call of next(). */
  packet: Packet;
  readonly pool: RandomPool;
  readonly ethernet: EthernetHeaders;
  private readonly random: SeededRandom;
  private readonly link: Link;
  private readonly snapLength: number;
  private readonly range: RecordSizeRange;
  private readonly totalRecordBytes: number;
  private remainingRecordBytes: number;
  private readonly startMicros: number;
  private readonly durationMicros: number;
  private lastTimestamp = Number.NEGATIVE_INFINITY;
  private readonly host: HostProfile;
  private readonly writer = new PrefixWriter();
  /** The packets of the current episode; the objects are reused from one episode to the next. */
  private readonly episode: Packet[] = [];
  private episodeLength = 0;
  private episodeIndex = 0;
  private readonly warpFlow: Flow;
  private readonly useMasque: boolean;
  private readonly warpConnectionId: Buffer;
  private readonly warpCounters = { client: 0, server: 0 };
  /** A download already running when the capture started; the tail records continue it. */
  private readonly bulkFlow: Flow;
  private readonly encodedNames = new Map<string, Buffer>();
  private tail: TailPlan | undefined;
  private clientIpId: number;

  constructor(spec: PcapSpec, size: number) {
    this.random = new SeededRandom(seedFor(`${spec.seed}/${spec.captureInterface}`));
    this.pool = createRandomPool(this.random);
    this.link = linkFor(spec.captureInterface);
    this.snapLength = validSnapLength(spec.snapLength);
    this.range = recordSizeRange(this.link, this.snapLength);
    this.totalRecordBytes = size - PCAP_GLOBAL_HEADER_SIZE;
    this.remainingRecordBytes = this.totalRecordBytes;
    this.startMicros = spec.startTime.getTime() * 1000;
    this.durationMicros = Math.min(
      MAX_CAPTURE_MICROS,
      Math.max(MIN_CAPTURE_MICROS, (size / CAPTURE_BYTES_PER_SECOND) * 1e6),
    );
    this.host = this.hostProfile(spec);
    this.ethernet = this.ethernetHeaders();
    this.clientIpId = this.random.int(0, 0xffff);
    this.useMasque = this.random.next() < 0.6;
    this.warpConnectionId = this.randomBytes(8);
    this.warpFlow = this.openFlow(
      PROTOCOL_UDP,
      ipv4(`162.159.${this.useMasque ? 197 : this.random.pick([192, 193])}.${this.random.int(1, 10)}`),
      this.useMasque ? HTTPS_PORT : WIREGUARD_PORT,
    );
    this.bulkFlow = this.openFlow(PROTOCOL_TCP, this.cloudflareAddress(), HTTPS_PORT);
    this.packet = emptyPacket(this.bulkFlow);
  }

  /** Chooses the next packet into `this.packet`; false once the planned size is reached. */
  next(): boolean {
    if (this.remainingRecordBytes === 0) return false;
    if (this.tail === undefined) {
      if (this.episodeIndex === this.episodeLength) this.nextEpisode();
      this.packet = this.episode[this.episodeIndex++] as Packet;
      if (!isFillable(this.remainingRecordBytes - this.recordSize(), this.range)) {
        this.tail = planTail(this.remainingRecordBytes, this.range);
      }
    }
    if (this.tail !== undefined) {
      this.episodeLength = 0;
      this.packet = this.fillerPacket(nextTailSize(this.tail));
    }
    const elapsed = (this.totalRecordBytes - this.remainingRecordBytes) / this.totalRecordBytes;
    const scheduled = this.startMicros + Math.floor(this.durationMicros * elapsed);
    this.packet.timestampMicros = Math.max(this.lastTimestamp + 1 + this.random.int(0, 40), scheduled);
    this.lastTimestamp = this.packet.timestampMicros;
    this.remainingRecordBytes -= this.recordSize();
    return true;
  }

  private recordSize(): number {
    return PCAP_RECORD_HEADER_SIZE + Math.min(this.packet.length, this.snapLength);
  }

  private nextEpisode(): void {
    this.episodeLength = 0;
    this.episodeIndex = 0;
    const roll = this.random.next();
    if (this.link === ETHERNET_LINK) {
      if (roll < 0.75) this.warpBurst();
      else if (roll < 0.88) this.dnsLookup(this.random.pick(WARP_HOSTNAMES));
      else this.tlsSession(this.random.pick(WARP_HOSTNAMES));
    } else if (roll < 0.2) {
      this.dnsLookup(this.random.pick(APP_HOSTNAMES));
    } else {
      this.tlsSession(this.random.pick(APP_HOSTNAMES));
    }
  }

  /** The WARP tunnel as the physical interface sees it: WireGuard on UDP 2408 or MASQUE (QUIC) on UDP 443. */
  private warpBurst(): void {
    const w = this.writer;
    if (!this.useMasque && this.random.next() < 0.03) {
      // handshake initiation (148 bytes) and response (92 bytes)
      w.u8(1).u8(0).u16(0).copy(this.warpConnectionId, 4, 8);
      this.emitUdp(this.warpFlow, true, 148 - 8);
      w.u8(2).u8(0).u16(0).copy(this.warpConnectionId, 0, 4).copy(this.warpConnectionId, 4, 8);
      this.emitUdp(this.warpFlow, false, 92 - 12);
    }
    const count = 1 + Math.floor(this.random.next() ** 2 * 48);
    for (let index = 0; index < count; index++) {
      const fromClient = this.random.next() < 0.4;
      const inner = this.random.next() < 0.35 ? this.random.int(40, 120) : this.random.int(1000, 1280);
      const counter = fromClient ? this.warpCounters.client++ : this.warpCounters.server++;
      if (this.useMasque) {
        // QUIC short header: flags, destination connection id, 2-byte packet number; then the sealed datagram
        w.u8(0x41)
          .copy(this.warpConnectionId, 0, 8)
          .u16(counter & 0xffff);
        this.emitUdp(this.warpFlow, fromClient, inner + 3 + 16);
      } else {
        // WireGuard transport data: type 4, the receiver's index, little-endian counter; padded ciphertext and tag
        const receiverIndex = fromClient ? 0 : 4;
        w.u8(4)
          .u8(0)
          .u16(0)
          .copy(this.warpConnectionId, receiverIndex, receiverIndex + 4)
          .u32le(counter)
          .u32le(0);
        this.emitUdp(this.warpFlow, fromClient, Math.ceil(inner / 16) * 16 + 16);
      }
    }
  }

  private dnsLookup(hostname: string, answers = [this.cloudflareAddress(), this.cloudflareAddress()]): void {
    const flow = this.openFlow(PROTOCOL_UDP, this.host.resolver, DNS_PORT);
    const id = this.random.int(0, 0xffff);
    this.writeDnsMessage(hostname, id, []);
    this.emitUdp(flow, true);
    this.writeDnsMessage(hostname, id, answers);
    this.emitUdp(flow, false);
  }

  private tlsSession(hostname: string): void {
    const server = this.cloudflareAddress();
    if (this.random.next() < 0.5) this.dnsLookup(hostname, [server, this.cloudflareAddress()]);
    const flow = this.openFlow(PROTOCOL_TCP, server, HTTPS_PORT);
    const mss = this.link.mss;
    this.emitTcp(flow, true, TCP_SYN);
    this.emitTcp(flow, false, TCP_SYN | TCP_ACK);
    this.emitTcp(flow, true, TCP_ACK);
    this.writeClientHello(hostname);
    this.emitTcp(flow, true, TCP_PSH | TCP_ACK);
    this.emitTcp(flow, false, TCP_ACK);
    const flightLength = this.random.int(900, mss);
    this.writeServerHello(flightLength);
    this.emitTcp(flow, false, TCP_ACK, flightLength - this.writer.length);
    this.tlsRecords(flow, false, this.random.int(1, 3));
    const exchanges = 1 + Math.floor(this.random.next() ** 2 * 4);
    for (let exchange = 0; exchange < exchanges; exchange++) {
      this.tlsRecords(flow, true, 1, this.random.int(60, 900));
      this.tlsRecords(flow, false, 1 + Math.floor(this.random.next() ** 3 * 60));
    }
    if (this.random.next() < 0.7) {
      this.emitTcp(flow, true, TCP_FIN | TCP_ACK);
      this.emitTcp(flow, false, TCP_FIN | TCP_ACK);
      this.emitTcp(flow, true, TCP_ACK);
    }
  }

  /** Segments that each carry one TLS application-data record; the receiver acknowledges every second one. */
  private tlsRecords(flow: Flow, fromClient: boolean, segments: number, lastLength?: number): void {
    const mss = this.link.mss;
    for (let index = 1; index <= segments; index++) {
      const isLast = index === segments;
      const length = isLast ? (lastLength ?? this.random.int(40, mss)) : mss;
      this.writer
        .u8(0x17)
        .u16(0x0303)
        .u16(length - 5);
      this.emitTcp(flow, fromClient, isLast ? TCP_PSH | TCP_ACK : TCP_ACK, length - 5);
      if (index % 2 === 0 || isLast) this.emitTcp(flow, !fromClient, TCP_ACK);
    }
  }

  /** A tail record of exactly `recordSize` bytes: a segment of the running download. */
  private fillerPacket(recordSize: number): Packet {
    const captured = recordSize - PCAP_RECORD_HEADER_SIZE;
    const length = captured < this.snapLength ? captured : this.link.maxPacketLength;
    const payload = length - this.link.headerLength - IPV4_HEADER - TCP_HEADER;
    return this.emitTcp(this.bulkFlow, false, payload > 0 ? TCP_PSH | TCP_ACK : TCP_ACK, payload);
  }

  private emitTcp(flow: Flow, fromClient: boolean, flags: number, poolLength = 0): Packet {
    const packet = this.appendPacket(flow, fromClient, poolLength);
    const payloadLength = packet.prefixLength + poolLength;
    const isSyn = (flags & TCP_SYN) !== 0;
    packet.tcpFlags = flags;
    packet.seq = fromClient ? flow.clientSeq : flow.serverSeq;
    packet.ack = flags & TCP_ACK ? (fromClient ? flow.serverSeq : flow.clientSeq) : 0;
    packet.window = isSyn ? 64240 : fromClient ? flow.clientWindow : flow.serverWindow;
    packet.length = this.link.headerLength + IPV4_HEADER + (isSyn ? TCP_SYN_HEADER : TCP_HEADER) + payloadLength;
    const advance = payloadLength + (isSyn || flags & TCP_FIN ? 1 : 0);
    if (fromClient) flow.clientSeq = (flow.clientSeq + advance) >>> 0;
    else flow.serverSeq = (flow.serverSeq + advance) >>> 0;
    return packet;
  }

  private emitUdp(flow: Flow, fromClient: boolean, poolLength = 0): Packet {
    const packet = this.appendPacket(flow, fromClient, poolLength);
    packet.tcpFlags = 0;
    packet.length = this.link.headerLength + IPV4_HEADER + UDP_HEADER + packet.prefixLength + poolLength;
    return packet;
  }

  /** Appends a packet to the episode with the prefix written so far, which it takes over. */
  private appendPacket(flow: Flow, fromClient: boolean, poolLength: number): Packet {
    let packet = this.episode[this.episodeLength];
    if (packet === undefined) {
      packet = emptyPacket(flow);
      this.episode.push(packet);
    }
    this.episodeLength++;
    packet.flow = flow;
    packet.fromClient = fromClient;
    packet.ttl = fromClient ? this.host.ttl : flow.serverTtl;
    if (fromClient) this.clientIpId = (this.clientIpId + 1) & 0xffff;
    else flow.serverIpId = (flow.serverIpId + 1) & 0xffff;
    packet.ipId = fromClient ? this.clientIpId : flow.serverIpId;
    // The packet takes the written buffer and leaves its old one to the writer: no copy.
    const written = this.writer.bytes;
    this.writer.bytes = packet.prefix;
    packet.prefix = written;
    packet.prefixLength = this.writer.length;
    this.writer.length = 0;
    packet.poolLength = poolLength;
    packet.poolOffset = this.poolOffset(poolLength);
    return packet;
  }

  private writeDnsMessage(hostname: string, id: number, answers: readonly number[]): void {
    const w = this.writer;
    w.u16(id)
      .u16(answers.length > 0 ? 0x8180 : 0x0100) // response, recursion available : query, recursion desired
      .u16(1)
      .u16(answers.length)
      .u16(0)
      .u16(0);
    const name = this.encodedName(hostname);
    w.copy(name, 0, name.length).u16(1).u16(1); // A, IN
    const ttl = this.random.int(30, 300);
    for (const address of answers) w.u16(0xc00c).u16(1).u16(1).u32(ttl).u16(4).u32(address);
  }

  private encodedName(hostname: string): Buffer {
    let encoded = this.encodedNames.get(hostname);
    if (encoded === undefined) {
      const labels = hostname
        .split('.')
        .map((label) => Buffer.concat([Buffer.from([label.length]), Buffer.from(label)]));
      encoded = Buffer.concat([...labels, Buffer.from([0])]);
      this.encodedNames.set(hostname, encoded);
    }
    return encoded;
  }

  /** A TLS 1.3 ClientHello with SNI, so Wireshark shows the server name. */
  private writeClientHello(hostname: string): void {
    const w = this.writer;
    w.u8(0x16).u16(0x0301);
    const record = w.open16();
    w.u8(1);
    const handshake = w.open24();
    w.u16(0x0303);
    this.writeRandom(32);
    w.u8(32);
    this.writeRandom(32);
    w.u16(6).u16(0x1301).u16(0x1302).u16(0x1303).u8(1).u8(0);
    const extensions = w.open16();
    w.u16(0x0000)
      .u16(hostname.length + 5)
      .u16(hostname.length + 3)
      .u8(0)
      .u16(hostname.length)
      .ascii(hostname);
    w.u16(0x000a).u16(4).u16(2).u16(0x001d); // supported groups: x25519
    w.u16(0x000d).u16(8).u16(6).u16(0x0403).u16(0x0804).u16(0x0401); // signature algorithms
    w.u16(0x002b).u16(3).u8(2).u16(0x0304); // supported versions: TLS 1.3
    w.u16(0x0033).u16(38).u16(36).u16(0x001d).u16(32); // key share: x25519
    this.writeRandom(32);
    w.u16(0x0010).u16(14).u16(12).u8(2).ascii('h2').u8(8).ascii('http/1.1'); // ALPN
    w.close16(extensions);
    w.close24(handshake);
    w.close16(record);
  }

  /** ServerHello, ChangeCipherSpec, then the header of the encrypted handshake record that fills the segment. */
  private writeServerHello(segmentLength: number): void {
    const w = this.writer;
    w.u8(0x16).u16(0x0303);
    const record = w.open16();
    w.u8(2);
    const handshake = w.open24();
    w.u16(0x0303);
    this.writeRandom(32);
    w.u8(32);
    this.writeRandom(32);
    w.u16(0x1301).u8(0);
    const extensions = w.open16();
    w.u16(0x002b).u16(2).u16(0x0304);
    w.u16(0x0033).u16(36).u16(0x001d).u16(32);
    this.writeRandom(32);
    w.close16(extensions);
    w.close24(handshake);
    w.close16(record);
    w.u8(0x14).u16(0x0303).u16(1).u8(1);
    w.u8(0x17)
      .u16(0x0303)
      .u16(segmentLength - w.length - 2);
  }

  private writeRandom(length: number): void {
    const offset = this.poolOffset(length);
    this.writer.copy(this.pool.bytes, offset, offset + length);
  }

  /** An even offset (the pool's word sums are per even offset) with `length` bytes after it. */
  private poolOffset(length: number): number {
    return 2 * Math.floor(this.random.next() * (Math.floor((POOL_SIZE - length) / 2) + 1));
  }

  private randomBytes(length: number): Buffer {
    const offset = this.poolOffset(length);
    return Buffer.from(this.pool.bytes.subarray(offset, offset + length));
  }

  private openFlow(protocol: number, serverAddress: number, serverPort: number): Flow {
    return {
      protocol,
      clientAddress: this.host.address,
      serverAddress,
      clientPort: this.random.int(...this.host.ephemeralPorts),
      serverPort,
      serverTtl: this.random.int(50, 60),
      clientWindow: this.random.int(500, 2052),
      serverWindow: this.random.int(8, 600),
      clientSeq: this.random.int(0, 0xffffffff),
      serverSeq: this.random.int(0, 0xffffffff),
      serverIpId: this.random.int(0, 0xffff),
    };
  }

  private cloudflareAddress(): number {
    return this.random.pick(CLOUDFLARE_NETWORKS) + this.random.int(0, 255) * 256 + this.random.int(1, 254);
  }

  private hostProfile(spec: PcapSpec): HostProfile {
    const ttl = spec.platform === 'windows' ? 128 : 64;
    const ephemeralPorts: readonly [number, number] = spec.platform === 'linux' ? [32768, 60999] : [49152, 65535];
    if (spec.captureInterface === 'tunnel')
      return { address: TUNNEL_ADDRESS, resolver: TUNNEL_RESOLVER, ttl, ephemeralPorts };
    const lan = this.random.pick(LAN_PREFIXES);
    return { address: ipv4(`${lan}.${this.random.int(2, 250)}`), resolver: ipv4(`${lan}.1`), ttl, ephemeralPorts };
  }

  private ethernetHeaders(): EthernetHeaders {
    const device = this.randomBytes(6);
    device[0] = ((device[0] ?? 0) & 0xfc) | 0x02; // a locally administered (randomised) unicast address
    const gateway = this.randomBytes(6);
    gateway[0] = (gateway[0] ?? 0) & 0xfc;
    const ipv4Type = Buffer.from([0x08, 0x00]);
    return {
      outbound: Buffer.concat([gateway, device, ipv4Type]),
      inbound: Buffer.concat([device, gateway, ipv4Type]),
    };
  }
}

function emptyPacket(flow: Flow): Packet {
  return {
    flow,
    fromClient: true,
    ttl: 0,
    ipId: 0,
    tcpFlags: 0,
    seq: 0,
    ack: 0,
    window: 0,
    prefix: Buffer.alloc(PREFIX_CAPACITY),
    prefixLength: 0,
    poolOffset: 0,
    poolLength: 0,
    length: 0,
    timestampMicros: 0,
  };
}

function planTail(bytes: number, range: RecordSizeRange): TailPlan {
  const count = Math.ceil(bytes / range.max);
  const baseSize = Math.floor(bytes / count);
  return { baseSize, largerCount: bytes - baseSize * count, emitted: 0 };
}

function nextTailSize(tail: TailPlan): number {
  const size = tail.baseSize + (tail.emitted < tail.largerCount ? 1 : 0);
  tail.emitted++;
  return size;
}

function seedFor(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

function ipv4(dotted: string): number {
  return dotted.split('.').reduce((address, octet) => address * 256 + Number(octet), 0);
}
