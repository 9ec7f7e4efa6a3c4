import type {
  CapturedPacket,
  CaptureInterface,
  CaptureInterfaceStatistics,
  CaptureSink,
  PacketDigest,
} from '../model.js';
import { type AddressKey, formatAddress, ipv4Key, ipv6Key, isIpv6Key } from './addresses.js';
import { u8, u16 } from './bytes.js';
import { Dissector, PROTOCOL_ICMP, PROTOCOL_ICMPV6, PROTOCOL_TCP, PROTOCOL_UDP } from './dissector.js';
import { DNS_HEADER_BYTES, DNS_PORT, DnsTally, rcodeName, SLOW_ANSWER_US } from './dns.js';
import type { LinkTypeCount, PacketFinding } from './findings.js';
import { DECODED_LINK_TYPES, linkTypeName } from './link-types.js';
import { type PeerEntry, PeerTable } from './peers.js';
import { TcpTally } from './tcp.js';
import { NameText } from './text.js';
import { ClientHelloReader, HELLO_WITH_NAME, NOT_A_HELLO } from './tls.js';

/** Distinct link types counted (a pcapng file may declare any number of interfaces). */
const MAX_LINK_TYPES = 64;
/** Reader problems kept, each cut to 300 characters (the reader bounds its own; this is a second fence). */
const MAX_PROBLEMS = 100;
const MAX_PROBLEM_CHARACTERS = 300;
/** Distinct TLS server names kept for `tls.serverNames`, in the order first seen. */
const MAX_SERVER_NAMES = 256;
/**
 * Address → name from A/AAAA answers: 4096 entries (≤ 255 characters each, about 1 MB at worst). When full the
 * name written longest ago goes: a capture's connections follow their lookups closely, so recent answers are the
 * ones its peers need, and a name already given to a counted peer stays with that peer (PeerEntry).
 */
const MAX_DNS_NAMES = 4096;
/** Server address → SNI from ClientHellos, bounded and evicted the same way. */
const MAX_SERVER_NAME_PEERS = 1024;
/** Interfaces whose statistics are kept (the last block of each). */
const MAX_STATISTICS = 64;
/** `topPeers` lists this many. */
const TOP_PEERS = 10;
/** Findings per kind for TCP (the worst peers). */
const TCP_FINDINGS = 3;
/** Failed DNS names listed in a finding. */
const FAILED_NAMES_LISTED = 10;

const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_ACK = 0x10;

interface LinkTypeTally {
  linkType: number;
  packets: number;
}

/**
 * The packet analysis of one capture file: fed packet by packet by the capture file reader, it counts what the
 * digest reports (issue 12's counting rules, checked against tshark on tcpdump's test captures) in constant memory.
 *
 * - ICMP: `icmp` counts ICMP for IPv4 (IP protocol 1) as Wireshark's `icmp` display filter does; ICMPv6 is counted
 *   apart in `icmpv6`, as its `icmpv6` filter.
 * - Bytes of a peer are the packets' lengths on the wire (original lengths), whatever the snap length kept.
 * - Peers: every address seen as a source or destination. The capturing host is guessed as the address of each IP
 *   version present in at least half that version's packets (the one seen most); it is left out of `topPeers`, so
 *   they are the remote sides. A capture that is not a host's (a mirror port) has no such address: all are peers.
 */
export class PacketTally implements CaptureSink {
  private packets = 0;
  private capturedBytes = 0;
  private originalBytes = 0;
  private truncatedPackets = 0;
  private firstUs: number | null = null;
  private lastUs: number | null = null;
  private ipv4Packets = 0;
  private ipv6Packets = 0;
  private ipv4Addressed = 0;
  private ipv6Addressed = 0;
  private tcpPackets = 0;
  private syns = 0;
  private synAcks = 0;
  private resets = 0;
  private udpPackets = 0;
  private icmpPackets = 0;
  private icmpv6Packets = 0;
  private clientHellos = 0;
  private readonly serverNames = new Set<string>();
  private readonly linkTypes = new Map<number, LinkTypeTally>();
  /** Packets of link types past MAX_LINK_TYPES: counted, not listed. */
  private readonly otherLinkTypes: LinkTypeTally = { linkType: -1, packets: 0 };
  private current: LinkTypeTally = this.otherLinkTypes;
  private currentLinkType = Number.NaN;
  private decodedPackets = 0;
  private readonly problems: string[] = [];
  private problemCount = 0;
  private analysisFailed = false;
  /** The last interface statistics block of each interface, by section and interface id. */
  private readonly interfaceStatistics = new Map<string, CaptureInterfaceStatistics>();

  private readonly dissector = new Dissector();
  private readonly text = new NameText();
  private readonly hello = new ClientHelloReader(this.text);
  private readonly dnsNames = new Map<AddressKey, string>();
  private readonly serverNamesByPeer = new Map<AddressKey, string>();
  private readonly peers = new PeerTable(undefined, (entry) => {
    entry.dnsName = this.dnsNames.get(entry.key) ?? null;
    entry.serverName = this.serverNamesByPeer.get(entry.key) ?? null;
  });
  private readonly dns = new DnsTally(this.text, (address, name) => this.learnDnsName(address, name));
  private readonly tcp = new TcpTally();

  constructor(readonly file: string) {}

  interface(description: CaptureInterface): void {
    this.linkTypeTally(description.linkType);
  }

  statistics(statistics: CaptureInterfaceStatistics): void {
    // Counters run from the start of the capture: a later block for the same interface supersedes an earlier one.
    const key = `${statistics.section}:${statistics.interfaceId}`;
    if (this.interfaceStatistics.has(key) || this.interfaceStatistics.size < MAX_STATISTICS) {
      this.interfaceStatistics.set(key, statistics);
    }
  }

  problem(text: string): void {
    this.problemCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(String(text).slice(0, MAX_PROBLEM_CHARACTERS));
  }

  packet(packet: CapturedPacket): void {
    try {
      this.count(packet);
    } catch (error) {
      // Not expected (every read is bounds-checked); if it happens, the digest says so once and keeps counting.
      if (!this.analysisFailed) {
        this.analysisFailed = true;
        this.problem(`packet ${this.packets} could not be analysed: ${error instanceof Error ? error.message : error}`);
      }
    }
  }

  /** The digest so far (it can be asked again after more packets). `format` is the reader's. */
  digest(format: PacketDigest['format']): PacketDigest {
    const local = this.localAddresses();
    const rcodes: Record<string, number> = {};
    this.dns.rcodes.forEach((count, rcode) => {
      if (count > 0) rcodes[rcodeName(rcode)] = count;
    });
    return {
      file: this.file,
      format,
      linkTypes: [...this.linkTypes.keys()],
      packets: this.packets,
      capturedBytes: this.capturedBytes,
      originalBytes: this.originalBytes,
      truncatedPackets: this.truncatedPackets,
      firstPacketAt: isoMicroseconds(this.firstUs),
      lastPacketAt: isoMicroseconds(this.lastUs),
      ipv4Packets: this.ipv4Packets,
      ipv6Packets: this.ipv6Packets,
      tcp: { packets: this.tcpPackets, syn: this.syns, synAck: this.synAcks, rst: this.resets },
      udp: { packets: this.udpPackets },
      icmp: { packets: this.icmpPackets },
      icmpv6: { packets: this.icmpv6Packets },
      dns: {
        queries: this.dns.queries,
        responses: this.dns.responses,
        rcodes,
        unanswered: this.dns.unanswered(this.lastUs).count,
      },
      tls: { clientHellos: this.clientHellos, serverNames: [...this.serverNames] },
      topPeers: this.peers
        .entries()
        .filter((entry) => !local.has(entry.key))
        .sort(byBytes)
        .slice(0, TOP_PEERS)
        .map((entry) => {
          const name = this.peerName(entry);
          const peer = { address: formatAddress(entry.key), packets: entry.packets, bytes: entry.bytes };
          return name === null ? peer : { ...peer, name };
        }),
      problems: [...this.problems],
    };
  }

  /** What the verdict leads with, most important first (see PacketFinding). */
  findings(): PacketFinding[] {
    const findings: PacketFinding[] = [];
    const linkTypes = this.linkTypeCounts();
    if (this.packets === 0) findings.push({ kind: 'no-packets' });
    else if (this.decodedPackets === 0) {
      findings.push({ kind: 'nothing-decoded', packets: this.packets, linkTypes: linkTypes.filter((l) => l.packets) });
    }
    if (this.problemCount > 0) findings.push({ kind: 'file-problems', count: this.problemCount });
    const dropped = this.droppedPackets();
    if (dropped) findings.push({ kind: 'packets-dropped', ...dropped });

    const failed = this.dns.responses - (this.dns.rcodes[0] ?? 0);
    if (failed > 0) {
      const byRcode: Record<string, number> = {};
      this.dns.rcodes.forEach((count, rcode) => {
        if (rcode !== 0 && count > 0) byRcode[rcodeName(rcode)] = count;
      });
      findings.push({
        kind: 'dns-failures',
        failed,
        total: this.dns.responses,
        byRcode,
        names: this.dns.failures().slice(0, FAILED_NAMES_LISTED),
      });
    }
    const unanswered = this.dns.unanswered(this.lastUs);
    if (unanswered.count > 0) {
      findings.push({
        kind: 'dns-unanswered',
        count: unanswered.count,
        queries: this.dns.queries,
        nearEnd: unanswered.nearEnd,
        servers: unanswered.servers.map(({ server, count }) => ({ address: formatAddress(server), count })),
        names: unanswered.names,
      });
    }
    for (const group of this.tcp.unanswered().groups.slice(0, TCP_FINDINGS)) {
      findings.push({
        kind: 'tcp-unanswered',
        peer: formatAddress(group.peer),
        port: group.port,
        connections: group.connections,
        attempts: group.packets,
        ...this.nameOf(group.peer),
      });
    }
    for (const group of this.tcp.resetGroups(this.localAddresses()).slice(0, TCP_FINDINGS)) {
      findings.push({
        kind: 'tcp-resets',
        peer: formatAddress(group.peer),
        port: group.port,
        count: group.connections,
        packets: group.packets,
        refused: group.refused,
        ...this.nameOf(group.peer),
      });
    }
    if (this.dns.slow > 0) {
      findings.push({
        kind: 'dns-slow',
        count: this.dns.slow,
        responses: this.dns.responses,
        thresholdMs: SLOW_ANSWER_US / 1000,
        slowest: this.dns.slowAnswers(),
      });
    }
    if (this.decodedPackets > 0) {
      for (const link of linkTypes) {
        if (link.packets > 0 && !DECODED_LINK_TYPES.has(link.linkType)) {
          findings.push({ kind: 'link-type-not-decoded', ...link });
        }
      }
    }
    return findings;
  }

  private count(packet: CapturedPacket): void {
    this.packets++;
    const captured = packet.capturedLength;
    const original = packet.originalLength;
    this.capturedBytes += captured;
    this.originalBytes += original;
    if (captured < original) this.truncatedPackets++;
    const at = packet.timestampUs;
    if (at !== null) {
      if (this.firstUs === null || at < this.firstUs) this.firstUs = at;
      if (this.lastUs === null || at > this.lastUs) this.lastUs = at;
    }
    const linkType = packet.linkType;
    if (linkType !== this.currentLinkType) {
      this.current = this.linkTypeTally(linkType);
      this.currentLinkType = linkType;
    }
    this.current.packets++;

    const data = packet.data;
    const end = Math.min(data.length, captured);
    const dissector = this.dissector;
    dissector.dissect(linkType, data, end);
    if (dissector.version === 0) return;
    this.decodedPackets++;
    const v4 = dissector.version === 4;
    if (v4) this.ipv4Packets++;
    else this.ipv6Packets++;
    if (!dissector.hasAddresses) return;
    const source = v4 ? ipv4Key(data, dissector.sourceAt) : ipv6Key(data, dissector.sourceAt);
    const destination = v4 ? ipv4Key(data, dissector.destinationAt) : ipv6Key(data, dissector.destinationAt);
    if (v4) this.ipv4Addressed++;
    else this.ipv6Addressed++;
    this.peers.add(source, original);
    this.peers.add(destination, original);

    switch (dissector.protocol) {
      case PROTOCOL_TCP:
        this.tcpPackets++;
        this.tcpSegment(data, dissector.transportAt, dissector.end, source, destination);
        break;
      case PROTOCOL_UDP:
        this.udpPackets++;
        this.udpDatagram(data, dissector.transportAt, dissector.end, source, destination, at);
        break;
      case PROTOCOL_ICMP:
        this.icmpPackets++;
        break;
      case PROTOCOL_ICMPV6:
        this.icmpv6Packets++;
        break;
    }
  }

  private tcpSegment(data: Uint8Array, at: number, end: number, source: AddressKey, destination: AddressKey): void {
    // Flags are read from 16 bytes of header on (Wireshark reads the window with them) with a sane header length.
    if (end - at < 16) return;
    const headerWords = u8(data, at + 12) >> 4;
    if (headerWords < 5) return;
    const flags = u8(data, at + 13);
    const syn = (flags & TCP_SYN) !== 0;
    const ack = (flags & TCP_ACK) !== 0;
    const sourcePort = u16(data, at);
    const destinationPort = u16(data, at + 2);
    if (syn && !ack) {
      this.syns++;
      this.tcp.syn(source, sourcePort, destination, destinationPort);
    } else if (syn) {
      this.synAcks++;
      this.tcp.synAck(source, sourcePort, destination, destinationPort);
    }
    if ((flags & TCP_RST) !== 0) {
      this.resets++;
      this.tcp.rst(source, sourcePort, destination, destinationPort);
    }
    const payload = at + headerWords * 4;
    // Cheap test first: only a segment starting with a handshake record can start a ClientHello.
    if (payload >= end || u8(data, payload) !== 0x16) return;
    const hello = this.hello.read(data, payload, end);
    if (hello === NOT_A_HELLO) return;
    this.clientHellos++;
    if (hello === HELLO_WITH_NAME) this.learnServerName(destination, this.hello.serverName);
  }

  private udpDatagram(
    data: Uint8Array,
    at: number,
    end: number,
    source: AddressKey,
    destination: AddressKey,
    timestampUs: number | null,
  ): void {
    if (end - at < 8) return;
    const sourcePort = u16(data, at);
    const destinationPort = u16(data, at + 2);
    if (sourcePort !== DNS_PORT && destinationPort !== DNS_PORT) return;
    // The UDP length bounds the payload; 0 (offload, jumbograms) leaves it to the IP datagram; under 8 is bogus.
    const length = u16(data, at + 4);
    if (length !== 0 && length < 8) return;
    const payloadEnd = length === 0 ? end : Math.min(end, at + length);
    if (payloadEnd - (at + 8) < DNS_HEADER_BYTES) return;
    this.dns.message(data, at + 8, payloadEnd, source, sourcePort, destination, destinationPort, timestampUs);
  }

  private learnDnsName(address: AddressKey, name: string): void {
    remember(this.dnsNames, address, name, MAX_DNS_NAMES);
    const peer = this.peers.get(address);
    if (peer) peer.dnsName = name;
  }

  private learnServerName(address: AddressKey, name: string): void {
    if (this.serverNames.size < MAX_SERVER_NAMES) this.serverNames.add(name);
    remember(this.serverNamesByPeer, address, name, MAX_SERVER_NAME_PEERS);
    const peer = this.peers.get(address);
    if (peer) peer.serverName = name;
  }

  /** A peer's name: the server name a client asked it for, else the name a DNS answer gave its address. */
  private peerName(entry: PeerEntry): string | null {
    return entry.serverName ?? entry.dnsName ?? null;
  }

  private nameOf(address: AddressKey): { name?: string } {
    const entry = this.peers.get(address);
    const name =
      (entry ? this.peerName(entry) : null) ??
      this.serverNamesByPeer.get(address) ??
      this.dnsNames.get(address) ??
      null;
    return name === null ? {} : { name };
  }

  /** The capturing host's addresses: per IP version, the one seen most, if it is in at least half the packets. */
  private localAddresses(): Set<AddressKey> {
    let best4: PeerEntry | null = null;
    let best6: PeerEntry | null = null;
    for (const entry of this.peers.entries()) {
      if (isIpv6Key(entry.key)) {
        if (best6 === null || entry.packets > best6.packets) best6 = entry;
      } else if (best4 === null || entry.packets > best4.packets) best4 = entry;
    }
    const local = new Set<AddressKey>();
    if (best4 && best4.packets * 2 >= this.ipv4Addressed) local.add(best4.key);
    if (best6 && best6.packets * 2 >= this.ipv6Addressed) local.add(best6.key);
    return local;
  }

  private droppedPackets(): { dropped: number; received: number | null } | null {
    let dropped = 0;
    let received: number | null = 0;
    for (const statistics of this.interfaceStatistics.values()) {
      dropped += (statistics.droppedByInterface ?? 0) + (statistics.droppedByOs ?? 0);
      received = received === null || statistics.received === null ? null : received + statistics.received;
    }
    return dropped > 0 ? { dropped, received } : null;
  }

  private linkTypeTally(linkType: number): LinkTypeTally {
    let tally = this.linkTypes.get(linkType);
    if (tally === undefined) {
      if (this.linkTypes.size >= MAX_LINK_TYPES) return this.otherLinkTypes;
      tally = { linkType, packets: 0 };
      this.linkTypes.set(linkType, tally);
    }
    return tally;
  }

  private linkTypeCounts(): LinkTypeCount[] {
    return [...this.linkTypes.values()].map(({ linkType, packets }) => ({
      linkType,
      name: linkTypeName(linkType),
      packets,
    }));
  }
}

function byBytes(a: PeerEntry, b: PeerEntry): number {
  return b.bytes - a.bytes || b.packets - a.packets || formatAddress(a.key).localeCompare(formatAddress(b.key));
}

/** Sets `key` as the newest entry of an insertion-ordered map, dropping the oldest past `capacity`. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, capacity: number): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > capacity) {
    const oldest = map.keys().next();
    if (!oldest.done) map.delete(oldest.value);
  }
}

/** Microseconds since the epoch as ISO 8601 UTC with six decimals; null when unknown or out of Date's range. */
export function isoMicroseconds(us: number | null): string | null {
  if (us === null || !Number.isFinite(us)) return null;
  const date = new Date(Math.floor(us / 1000));
  if (Number.isNaN(date.getTime())) return null;
  const iso = date.toISOString();
  const micros = ((us % 1_000_000) + 1_000_000) % 1_000_000;
  return `${iso.slice(0, iso.length - 5)}.${String(Math.floor(micros)).padStart(6, '0')}Z`;
}
