import { type AddressKey, ipv4Key, ipv6Key, keyToken } from './addresses.js';
import { u8, u16 } from './bytes.js';
import type { NameText } from './text.js';

export const DNS_PORT = 53;
export const DNS_HEADER_BYTES = 12;
/** An answer slower than this (from the first query packet to the response) counts as slow: 1 s. */
export const SLOW_ANSWER_US = 1_000_000;

/** Queries waiting for an answer: beyond it the oldest is given up as unanswered (it has waited 4096 queries). */
const MAX_PENDING = 4096;
/** Distinct failed names kept (space-saving: a name failing often stays even when many fail once). */
const MAX_FAILED_NAMES = 64;
/** The slowest answers kept with their names. */
const MAX_SLOW_NAMES = 10;
/** Servers with queries given up before the end, counted apart. */
const MAX_EVICTED_SERVERS = 256;
/** Questions stepped over before the answers (real messages carry one). */
const MAX_QUESTIONS = 4;
/** Answer records read for addresses; a response at a 160-byte snap length holds a handful. */
const MAX_ANSWERS = 32;
/** Compression pointers followed in one name. Each must point backwards, so this only bounds the work. */
const MAX_POINTERS = 64;
/** A name on the wire is at most 255 bytes (RFC 1035). */
const MAX_NAME_BYTES = 255;

const TYPE_A = 1;
const TYPE_AAAA = 28;
const CLASS_IN = 1;

/** IANA's DNS RCODE names for the header's 4-bit RCODE (12 to 15 are unassigned). */
const RCODE_NAMES = [
  'NOERROR',
  'FORMERR',
  'SERVFAIL',
  'NXDOMAIN',
  'NOTIMP',
  'REFUSED',
  'YXDOMAIN',
  'YXRRSET',
  'NXRRSET',
  'NOTAUTH',
  'NOTZONE',
  'DSOTYPENI',
];

export function rcodeName(rcode: number): string {
  return RCODE_NAMES[rcode] ?? `RCODE${rcode}`;
}

interface PendingQuery {
  atUs: number | null;
  server: AddressKey;
  name: string | null;
}

export interface FailedName {
  name: string;
  rcode: string;
  count: number;
}

export interface SlowAnswer {
  name: string | null;
  ms: number;
}

export interface UnansweredQueries {
  count: number;
  /** Of them, sent within SLOW_ANSWER_US of the capture's last packet (their answer may just have been missed). */
  nearEnd: number;
  servers: { server: AddressKey; count: number }[];
  names: string[];
}

/**
 * DNS over UDP port 53: queries, responses by RCODE, queries never answered (matched by client address and port,
 * message id and server address), slow answers, names that failed, and the names learned from A/AAAA answers
 * (handed to `learn`). Reads one message at a time in place; every table is bounded.
 */
export class DnsTally {
  queries = 0;
  responses = 0;
  readonly rcodes = new Array<number>(16).fill(0);
  slow = 0;
  private readonly pending = new Map<string, PendingQuery>();
  private evicted = 0;
  private readonly evictedByServer = new Map<AddressKey, number>();
  private readonly failedNames = new Map<string, FailedName>();
  private slowest: SlowAnswer[] = [];
  /** Offset just past the name read last. */
  private nameEnd = 0;

  constructor(
    private readonly text: NameText,
    private readonly learn: (address: AddressKey, name: string) => void,
  ) {}

  /** A DNS message at `at` (its 12-byte header captured) from `source:sourcePort` to `destination:destinationPort`. */
  message(
    data: Uint8Array,
    at: number,
    end: number,
    source: AddressKey,
    sourcePort: number,
    destination: AddressKey,
    destinationPort: number,
    timestampUs: number | null,
  ): void {
    const id = u16(data, at);
    const questions = u16(data, at + 4);
    if ((u8(data, at + 2) & 0x80) === 0) {
      this.queries++;
      const key = `${keyToken(source)}|${sourcePort}|${id}|${keyToken(destination)}`;
      // A retransmission is the same lookup: its wait runs from the first copy.
      if (this.pending.has(key)) return;
      const name = questions > 0 ? this.readName(data, at, at + DNS_HEADER_BYTES, end) : null;
      if (this.pending.size >= MAX_PENDING) this.evictOldest();
      this.pending.set(key, { atUs: timestampUs, server: destination, name });
      return;
    }
    this.responses++;
    const rcode = u8(data, at + 3) & 0x0f;
    this.rcodes[rcode] = (this.rcodes[rcode] ?? 0) + 1;
    const key = `${keyToken(destination)}|${destinationPort}|${id}|${keyToken(source)}`;
    const query = this.pending.get(key);
    if (query) this.pending.delete(key);
    let name = questions > 0 ? this.readName(data, at, at + DNS_HEADER_BYTES, end) : null;
    const answersAt = name === null ? -1 : this.nameEnd + 4;
    name ??= query?.name ?? null;
    if (query && query.atUs !== null && timestampUs !== null && timestampUs - query.atUs > SLOW_ANSWER_US) {
      this.noteSlow(name, timestampUs - query.atUs);
    }
    if (rcode !== 0) this.noteFailure(name ?? '', rcode);
    else if (name !== null && answersAt >= 0) this.learnAddresses(data, at, answersAt, end, questions, name);
  }

  /** Queries still waiting at the end, and those given up on the way. */
  unanswered(lastPacketUs: number | null): UnansweredQueries {
    const servers = new Map(this.evictedByServer);
    const names: string[] = [];
    let nearEnd = 0;
    for (const query of this.pending.values()) {
      servers.set(query.server, (servers.get(query.server) ?? 0) + 1);
      if (query.name !== null && names.length < MAX_SLOW_NAMES && !names.includes(query.name)) names.push(query.name);
      if (lastPacketUs !== null && query.atUs !== null && lastPacketUs - query.atUs <= SLOW_ANSWER_US) nearEnd++;
    }
    return {
      count: this.pending.size + this.evicted,
      nearEnd,
      servers: [...servers]
        .map(([server, count]) => ({ server, count }))
        .sort((a, b) => b.count - a.count)
        .slice(0, 5),
      names,
    };
  }

  failures(): FailedName[] {
    return [...this.failedNames.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
  }

  slowAnswers(): SlowAnswer[] {
    return [...this.slowest];
  }

  private evictOldest(): void {
    const oldest = this.pending.entries().next();
    if (oldest.done) return;
    const [key, query] = oldest.value;
    this.pending.delete(key);
    this.evicted++;
    if (this.evictedByServer.has(query.server) || this.evictedByServer.size < MAX_EVICTED_SERVERS) {
      this.evictedByServer.set(query.server, (this.evictedByServer.get(query.server) ?? 0) + 1);
    }
  }

  private noteSlow(name: string | null, us: number): void {
    this.slow++;
    const ms = Math.round(us / 1000);
    if (this.slowest.length === MAX_SLOW_NAMES && (this.slowest.at(-1)?.ms ?? 0) >= ms) return;
    this.slowest.push({ name, ms });
    this.slowest.sort((a, b) => b.ms - a.ms);
    if (this.slowest.length > MAX_SLOW_NAMES) this.slowest.pop();
  }

  private noteFailure(name: string, rcode: number): void {
    const key = `${rcode}|${name}`;
    const known = this.failedNames.get(key);
    if (known) {
      known.count++;
      return;
    }
    if (this.failedNames.size < MAX_FAILED_NAMES) {
      this.failedNames.set(key, { name, rcode: rcodeName(rcode), count: 1 });
      return;
    }
    // Space-saving: the least counted name gives way and its count carries over (an upper bound for the newcomer).
    let leastKey = '';
    let least: FailedName | undefined;
    for (const [candidateKey, candidate] of this.failedNames) {
      if (least === undefined || candidate.count < least.count) {
        least = candidate;
        leastKey = candidateKey;
      }
    }
    if (least === undefined) return;
    this.failedNames.delete(leastKey);
    this.failedNames.set(key, { name, rcode: rcodeName(rcode), count: least.count + 1 });
  }

  private learnAddresses(
    data: Uint8Array,
    message: number,
    at: number,
    end: number,
    questions: number,
    name: string,
  ): void {
    let position = at;
    for (let q = 1; q < Math.min(questions, MAX_QUESTIONS); q++) {
      if (!this.skipName(data, position, end)) return;
      position = this.nameEnd + 4;
    }
    const answers = Math.min(u16(data, message + 6), MAX_ANSWERS);
    for (let a = 0; a < answers; a++) {
      if (!this.skipName(data, position, end)) return;
      position = this.nameEnd;
      if (end - position < 10) return;
      const type = u16(data, position);
      const recordClass = u16(data, position + 2) & 0x7fff;
      const length = u16(data, position + 8);
      const rdata = position + 10;
      if (end - rdata < length) return;
      if (recordClass === CLASS_IN && type === TYPE_A && length === 4) this.learn(ipv4Key(data, rdata), name);
      else if (recordClass === CLASS_IN && type === TYPE_AAAA && length === 16) this.learn(ipv6Key(data, rdata), name);
      position = rdata + length;
    }
  }

  /** Steps over a name at `at` (which may end in a compression pointer); sets nameEnd; false when it is cut. */
  private skipName(data: Uint8Array, at: number, end: number): boolean {
    let position = at;
    for (let labels = 0; labels <= MAX_NAME_BYTES / 2; labels++) {
      if (position >= end) return false;
      const length = u8(data, position);
      if (length === 0) {
        this.nameEnd = position + 1;
        return true;
      }
      if ((length & 0xc0) === 0xc0) {
        if (end - position < 2) return false;
        this.nameEnd = position + 2;
        return true;
      }
      if ((length & 0xc0) !== 0) return false;
      position += 1 + length;
    }
    return false;
  }

  /**
   * The name at `at`, lower case, in presentation format; null when it is cut, too long, uses a label type other
   * than plain or pointer, or loops. A compression pointer must point before the label it replaces, so a chain of
   * them always ends; MAX_POINTERS bounds the work anyway. Sets nameEnd to just past the name where it was met.
   */
  private readName(data: Uint8Array, message: number, at: number, end: number): string | null {
    const text = this.text;
    text.start();
    let position = at;
    let wireBytes = 0;
    let pointers = 0;
    let jumped = false;
    for (;;) {
      if (position >= end) return null;
      const length = u8(data, position);
      if (length === 0) {
        if (!jumped) this.nameEnd = position + 1;
        break;
      }
      if ((length & 0xc0) === 0xc0) {
        if (end - position < 2 || ++pointers > MAX_POINTERS) return null;
        const target = message + (((length & 0x3f) << 8) | u8(data, position + 1));
        if (target >= position) return null;
        if (!jumped) this.nameEnd = position + 2;
        jumped = true;
        position = target;
        continue;
      }
      if ((length & 0xc0) !== 0) return null;
      wireBytes += length + 1;
      if (wireBytes > MAX_NAME_BYTES || end - position - 1 < length) return null;
      if (wireBytes > length + 1 && !text.dot()) return null;
      if (!text.append(data, position + 1, length, true, true)) return null;
      position += length + 1;
    }
    return wireBytes === 0 ? '.' : text.text();
  }
}
