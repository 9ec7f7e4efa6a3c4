import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CapturedPacket, PacketDigest } from '../../src/digest/model.js';
import {
  isoMicroseconds,
  linkTypeName,
  type PacketFinding,
  PacketTally,
  pcapZipFindings,
} from '../../src/digest/packets/index.js';
import { PEER_CAPACITY, PeerTable } from '../../src/digest/packets/peers.js';

/*
 * The packet analysis on packets built here byte by byte (every link type, VLAN tags, IPv6 extension headers,
 * fragments, ICMP errors, DNS with compression and loops, headers cut at every length), and on bytes written by
 * others: a ClientHello from Node's TLS stack (OpenSSL) and DNS queries from its resolver (c-ares), over loopback.
 */

// ---------------------------------------------------------------------------------------------------------------
// Building packets

const bytes = (...parts: (Uint8Array | number[])[]): Buffer =>
  Buffer.concat(parts.map((part) => (part instanceof Uint8Array ? part : Buffer.from(part))));
const be16 = (value: number) => [(value >>> 8) & 0xff, value & 0xff];
const be32 = (value: number) => [(value >>> 24) & 0xff, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
const le32 = (value: number) => [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];

function v4(address: string): number[] {
  return address.split('.').map(Number);
}

function v6(address: string): number[] {
  const [head = '', tail = ''] = address.split('::');
  const groups = (text: string) => (text ? text.split(':').map((g) => Number.parseInt(g, 16)) : []);
  const left = groups(head);
  const right = address.includes('::') ? groups(tail) : [];
  const all = [...left, ...new Array(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap(be16);
}

const ETHER_IPV4 = 0x0800;
const ETHER_IPV6 = 0x86dd;

/** Ethernet II; each VLAN tag is its TPID (0x8100, 0x88a8, 0x9100) and a TCI, before the payload's type. */
function ethernet(type: number, payload: Uint8Array, tags: number[] = []): Buffer {
  const addresses = [0x00, 0x1b, 0x21, 0x3a, 0x4c, 0x5e, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01];
  return bytes(
    addresses,
    tags.flatMap((tpid, i) => [...be16(tpid), ...be16(100 + i)]),
    be16(type),
    payload,
  );
}

interface Ipv4Options {
  source?: string;
  destination?: string;
  protocol: number;
  fragmentOffset?: number;
  moreFragments?: boolean;
  totalLength?: number;
}

function ipv4(payload: Uint8Array, options: Ipv4Options): Buffer {
  const flags = (options.moreFragments ? 0x2000 : 0) | ((options.fragmentOffset ?? 0) & 0x1fff);
  return bytes(
    [0x45, 0],
    be16(options.totalLength ?? 20 + payload.length),
    be16(0x1234),
    be16(flags),
    [64, options.protocol],
    be16(0),
    v4(options.source ?? '192.168.1.20'),
    v4(options.destination ?? '10.0.0.53'),
    payload,
  );
}

function ipv6(payload: Uint8Array, next: number, source = '2001:db8::20', destination = '2001:db8::53'): Buffer {
  return bytes([0x60, 0, 0, 0], be16(payload.length), [next, 64], v6(source), v6(destination), payload);
}

/** An IPv6 extension header of `type` (hop-by-hop 0, routing 43, destination options 60) padded to 8 bytes. */
function extension(type: number, next: number, payload: Uint8Array): Buffer {
  if (type === 44) throw new Error('use fragmentHeader');
  if (type === 51) return bytes([next, 1], [0, 0], be32(0x100), be32(1), payload); // AH: 12 bytes, length 1
  return bytes([next, 0], [1, 4, 0, 0, 0, 0], payload);
}

function fragmentHeader(next: number, offsetUnits: number, more: boolean, payload: Uint8Array): Buffer {
  return bytes([next, 0], be16((offsetUnits << 3) | (more ? 1 : 0)), be32(0xabcd), payload);
}

const TCP_SYN = 0x02;
const TCP_RST = 0x04;
const TCP_PSH = 0x08;
const TCP_ACK = 0x10;

function tcp(sourcePort: number, destinationPort: number, flags: number, payload: Uint8Array = Buffer.alloc(0)) {
  return bytes(
    be16(sourcePort),
    be16(destinationPort),
    be32(1000),
    be32(flags & TCP_ACK ? 2000 : 0),
    [0x50, flags],
    be16(65535),
    be16(0),
    be16(0),
    payload,
  );
}

function udp(sourcePort: number, destinationPort: number, payload: Uint8Array, length = 8 + payload.length) {
  return bytes(be16(sourcePort), be16(destinationPort), be16(length), be16(0), payload);
}

function encodeName(name: string): number[] {
  return [...name.split('.').flatMap((label) => [label.length, ...Buffer.from(label, 'latin1')]), 0];
}

interface Answer {
  type: 'A' | 'AAAA';
  address: string;
}

function dnsMessage(
  id: number,
  name: string,
  options: { response?: boolean; rcode?: number; answers?: Answer[]; qtype?: number } = {},
) {
  const answers = options.answers ?? [];
  const flags = options.response ? 0x8180 | (options.rcode ?? 0) : 0x0100;
  return bytes(
    be16(id),
    be16(flags),
    be16(1),
    be16(answers.length),
    be16(0),
    be16(0),
    encodeName(name),
    be16(options.qtype ?? 1),
    be16(1),
    ...answers.map((answer) =>
      bytes(
        [0xc0, 0x0c],
        be16(answer.type === 'A' ? 1 : 28),
        be16(1),
        be32(60),
        be16(answer.type === 'A' ? 4 : 16),
        answer.type === 'A' ? v4(answer.address) : v6(answer.address),
      ),
    ),
  );
}

/** Ethernet, IPv4, UDP: a DNS message between a client port and port 53. */
function dnsPacket(
  message: Uint8Array,
  fromClient: boolean,
  client = '192.168.1.20',
  server = '10.0.0.53',
  clientPort = 40000,
) {
  const datagram = fromClient ? udp(clientPort, 53, message) : udp(53, clientPort, message);
  const ip = fromClient
    ? ipv4(datagram, { protocol: 17, source: client, destination: server })
    : ipv4(datagram, { protocol: 17, source: server, destination: client });
  return ethernet(ETHER_IPV4, ip);
}

function tcpPacket(
  source: string,
  sourcePort: number,
  destination: string,
  destinationPort: number,
  flags: number,
  payload?: Uint8Array,
) {
  return ethernet(
    ETHER_IPV4,
    ipv4(tcp(sourcePort, destinationPort, flags, payload), { protocol: 6, source, destination }),
  );
}

let clock = 1_700_000_000_000_000;

function captured(
  data: Uint8Array,
  options: { linkType?: number; timestampUs?: number | null; originalLength?: number } = {},
): CapturedPacket {
  clock += 1000;
  return {
    interfaceId: 0,
    linkType: options.linkType ?? 1,
    timestampUs: options.timestampUs === undefined ? clock : options.timestampUs,
    capturedLength: data.length,
    originalLength: options.originalLength ?? data.length,
    data,
  };
}

function tally(...packets: (Uint8Array | CapturedPacket)[]): PacketTally {
  const result = new PacketTally('test.pcap');
  for (const packet of packets) result.packet(packet instanceof Uint8Array ? captured(packet) : packet);
  return result;
}

const digestOf = (...packets: (Uint8Array | CapturedPacket)[]): PacketDigest => tally(...packets).digest('pcap');

function ofKind<K extends PacketFinding['kind']>(findings: PacketFinding[], kind: K) {
  return findings.filter((finding): finding is Extract<PacketFinding, { kind: K }> => finding.kind === kind);
}

const dnsQuery = dnsMessage(0x1111, 'example.com');
const ipv4Dns = ipv4(udp(40000, 53, dnsQuery), { protocol: 17 });
const ipv6Dns = ipv6(udp(40000, 53, dnsQuery), 17);

/** Node's TLS client (OpenSSL) writes its ClientHello into an in-memory socket: bytes nobody here wrote. */
async function nodeClientHello(servername: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let client: tls.TLSSocket | undefined;
    const socket = new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        resolve(Buffer.from(chunk));
        callback();
        setImmediate(() => client?.destroy());
      },
    });
    client = tls.connect({ socket, servername, rejectUnauthorized: false });
    client.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------------------

describe('link layers', () => {
  const pktapHeader = (innerDlt: number, length = 156, type = 1) =>
    bytes(le32(length), le32(type), le32(innerDlt), Buffer.alloc(length - 12));
  const sll = (protocol: number, hatype = 1) => bytes(be16(0), be16(hatype), be16(6), Buffer.alloc(8), be16(protocol));
  const sll2 = (protocol: number, hatype = 1) =>
    bytes(be16(protocol), be16(0), be32(2), be16(hatype), [0, 6], Buffer.alloc(8));

  const decoded: [string, number, Buffer, 4 | 6][] = [
    ['Ethernet', 1, ethernet(ETHER_IPV4, ipv4Dns), 4],
    ['Ethernet, IPv6', 1, ethernet(ETHER_IPV6, ipv6Dns), 6],
    ['Ethernet, 802.1Q', 1, ethernet(ETHER_IPV4, ipv4Dns, [0x8100]), 4],
    ['Ethernet, QinQ (802.1ad then 802.1Q)', 1, ethernet(ETHER_IPV6, ipv6Dns, [0x88a8, 0x8100]), 6],
    ['Ethernet, old QinQ (0x9100)', 1, ethernet(ETHER_IPV4, ipv4Dns, [0x9100, 0x8100]), 4],
    ['Ethernet, 8 tags', 1, ethernet(ETHER_IPV4, ipv4Dns, new Array(8).fill(0x8100)), 4],
    ['NULL, little-endian AF_INET', 0, bytes(le32(2), ipv4Dns), 4],
    ['NULL, big-endian AF_INET', 0, bytes(be32(2), ipv4Dns), 4],
    ['NULL, Darwin AF_INET6 (30)', 0, bytes(le32(30), ipv6Dns), 6],
    ['NULL, FreeBSD AF_INET6 (28), big-endian', 0, bytes(be32(28), ipv6Dns), 6],
    ['NULL, OpenBSD AF_INET6 (24)', 0, bytes(le32(24), ipv6Dns), 6],
    ['LOOP (big-endian AF_INET)', 108, bytes(be32(2), ipv4Dns), 4],
    ['LOOP (big-endian AF_INET6 24)', 108, bytes(be32(24), ipv6Dns), 6],
    ['RAW (101), IPv4', 101, ipv4Dns, 4],
    ['RAW (101), IPv6', 101, ipv6Dns, 6],
    ['BSD DLT_RAW 12', 12, ipv4Dns, 4],
    ['OpenBSD DLT_RAW 14', 14, ipv6Dns, 6],
    ['IPV4 (228)', 228, ipv4Dns, 4],
    ['IPV6 (229)', 229, ipv6Dns, 6],
    ['Linux SLL', 113, bytes(sll(ETHER_IPV4), ipv4Dns), 4],
    ['Linux SLL, 802.1Q inside', 113, bytes(sll(0x8100), be16(5), be16(ETHER_IPV6), ipv6Dns), 6],
    ['Linux SLL2', 276, bytes(sll2(ETHER_IPV6), ipv6Dns), 6],
    ['PKTAP (258) with Ethernet inside', 258, bytes(pktapHeader(1), ethernet(ETHER_IPV4, ipv4Dns)), 4],
    ['PKTAP (149, macOS DLT_USER2) with NULL inside', 149, bytes(pktapHeader(0, 108), le32(30), ipv6Dns), 6],
    ['PKTAP with raw IP (Darwin DLT_RAW 12) inside', 258, bytes(pktapHeader(12), ipv4Dns), 4],
  ];

  it.each(decoded)('%s: the IP packet, its UDP and its DNS query are counted', (_name, linkType, data, version) => {
    const digest = digestOf(captured(data, { linkType }));
    expect(digest.linkTypes).toEqual([linkType]);
    expect([digest.ipv4Packets, digest.ipv6Packets]).toEqual(version === 4 ? [1, 0] : [0, 1]);
    expect(digest.udp.packets).toBe(1);
    expect(digest.dns.queries).toBe(1);
  });

  const notDecoded: [string, number, Buffer][] = [
    ['Ethernet, ARP', 1, ethernet(0x0806, Buffer.alloc(28))],
    ['Ethernet, 802.3 length field', 1, ethernet(100, ipv4Dns)],
    ['Ethernet, 9 VLAN tags', 1, ethernet(ETHER_IPV4, ipv4Dns, new Array(9).fill(0x8100))],
    ['Ethernet, IPv6 EtherType on an IPv4 header', 1, ethernet(ETHER_IPV6, ipv4Dns)],
    ['NULL, unknown family', 0, bytes(le32(7), ipv4Dns)],
    ['IPV4 (228) holding IPv6', 228, ipv6Dns],
    ['IPV6 (229) holding IPv4', 229, ipv4Dns],
    ['RAW with version 5', 101, bytes([0x55], ipv4Dns.subarray(1))],
    ['Linux SLL, netlink', 113, bytes(sll(ETHER_IPV4, 824), ipv4Dns)],
    [
      'PKTAP, header length under 108',
      258,
      bytes(le32(100), le32(1), le32(1), Buffer.alloc(88), ethernet(ETHER_IPV4, ipv4Dns)),
    ],
    ['PKTAP, header length past the packet', 258, bytes(le32(4000), le32(1), le32(1), Buffer.alloc(144))],
    ['PKTAP, not a packet record', 258, bytes(pktapHeader(1, 156, 2), ethernet(ETHER_IPV4, ipv4Dns))],
    ['PKTAP inside PKTAP', 258, bytes(pktapHeader(258), pktapHeader(1), ethernet(ETHER_IPV4, ipv4Dns))],
  ];

  it.each(notDecoded)('%s: counted, not decoded', (_name, linkType, data) => {
    const digest = digestOf(captured(data, { linkType }));
    expect(digest.packets).toBe(1);
    expect(digest.ipv4Packets + digest.ipv6Packets).toBe(0);
    expect(digest.udp.packets).toBe(0);
  });

  it('counts and names link types it does not decode; says when nothing at all was decoded', () => {
    const radiotap = tally(
      captured(Buffer.alloc(60, 1), { linkType: 127 }),
      captured(Buffer.alloc(60), { linkType: 127 }),
    );
    expect(radiotap.digest('pcap').linkTypes).toEqual([127]);
    expect(radiotap.findings()[0]).toEqual({
      kind: 'nothing-decoded',
      packets: 2,
      linkTypes: [{ linkType: 127, name: 'IEEE802_11_RADIOTAP', packets: 2 }],
    });

    const mixed = tally(captured(ethernet(ETHER_IPV4, ipv4Dns)), captured(Buffer.alloc(30), { linkType: 239 }));
    expect(mixed.digest('pcapng').linkTypes).toEqual([1, 239]);
    expect(ofKind(mixed.findings(), 'nothing-decoded')).toEqual([]);
    expect(ofKind(mixed.findings(), 'link-type-not-decoded')).toEqual([
      { kind: 'link-type-not-decoded', linkType: 239, name: 'NFLOG', packets: 1 },
    ]);
    expect(linkTypeName(276)).toBe('LINUX_SLL2');
    expect(linkTypeName(65000)).toBeNull();
  });

  it('lists the link types of interfaces that carried no packet', () => {
    const t = new PacketTally('empty.pcapng');
    t.interface({ id: 0, linkType: 1, snapLength: 160, name: 'en0' });
    t.interface({ id: 1, linkType: 0, snapLength: 160, name: 'utun3' });
    expect(t.digest('pcapng')).toMatchObject({
      linkTypes: [1, 0],
      packets: 0,
      firstPacketAt: null,
      lastPacketAt: null,
    });
    expect(t.findings()).toEqual([{ kind: 'no-packets' }]);
  });
});

describe('network and transport layers, by the counting rules', () => {
  it('steps over IPv6 extension headers (hop-by-hop, destination options, routing, AH) to the transport', () => {
    const syn = tcp(50000, 443, TCP_SYN);
    const chained = ipv6(extension(0, 60, extension(60, 43, extension(43, 51, extension(51, 6, syn)))), 0);
    const digest = digestOf(ethernet(ETHER_IPV6, chained));
    expect(digest).toMatchObject({ ipv6Packets: 1, tcp: { packets: 1, syn: 1 } });
  });

  it('reads the first fragment of a datagram; a later fragment has no transport; nothing is reassembled', () => {
    const query = udp(40000, 53, dnsQuery);
    const first4 = ipv4(query, { protocol: 17, moreFragments: true });
    const later4 = ipv4(query, { protocol: 17, fragmentOffset: 185 });
    const first6 = ipv6(fragmentHeader(17, 0, true, query), 44);
    const later6 = ipv6(fragmentHeader(17, 185, false, query), 44);
    const digest = digestOf(
      ...[first4, later4].map((p) => ethernet(ETHER_IPV4, p)),
      ...[first6, later6].map((p) => ethernet(ETHER_IPV6, p)),
    );
    expect(digest).toMatchObject({ ipv4Packets: 2, ipv6Packets: 2, udp: { packets: 2 }, dns: { queries: 2 } });
  });

  it('counts ICMP errors as ICMP only: the packet they quote is not counted (ICMPv6 apart from ICMP)', () => {
    const quotedQuery = ipv4(udp(40000, 53, dnsQuery), { protocol: 17 });
    const unreachable = bytes([3, 3], be16(0), be32(0), quotedQuery);
    const quotedSyn = ipv6(tcp(50000, 443, TCP_SYN), 6);
    const tooBig = bytes([2, 0], be16(0), be32(1280), quotedSyn);
    const digest = digestOf(
      ethernet(ETHER_IPV4, ipv4(unreachable, { protocol: 1, source: '10.0.0.53', destination: '192.168.1.20' })),
      ethernet(ETHER_IPV6, ipv6(tooBig, 58)),
    );
    expect(digest).toMatchObject({
      icmp: { packets: 1 },
      icmpv6: { packets: 1 },
      udp: { packets: 0 },
      tcp: { packets: 0, syn: 0 },
      dns: { queries: 0 },
    });
  });

  it('counts ESP and other protocols as IP with no transport of ours; an IPv4 header of version 6 under 0x0800 is IPv6', () => {
    const digest = digestOf(
      ethernet(ETHER_IPV4, ipv4(Buffer.alloc(40), { protocol: 50 })),
      ethernet(ETHER_IPV6, ipv6(Buffer.alloc(40), 50)),
      ethernet(ETHER_IPV4, ipv6Dns),
    );
    expect(digest).toMatchObject({ ipv4Packets: 1, ipv6Packets: 2, tcp: { packets: 0 }, udp: { packets: 1 } });
  });

  it('treats a zero IP length as segmentation offload (what was captured); a datagram ending with its header has no transport', () => {
    const syn = tcp(50000, 443, TCP_SYN);
    const digest = digestOf(
      ethernet(ETHER_IPV4, ipv4(syn, { protocol: 6, totalLength: 0 })),
      ethernet(ETHER_IPV4, ipv4(syn, { protocol: 6, totalLength: 20 })),
      ethernet(ETHER_IPV4, ipv4(syn, { protocol: 6, totalLength: 10 })),
    );
    expect(digest).toMatchObject({ ipv4Packets: 3, tcp: { packets: 1, syn: 1 } });
  });

  it('counts SYN (attempt), SYN-ACK (accepted) and RST flags', () => {
    const digest = digestOf(
      tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_SYN),
      tcpPacket('10.0.4.20', 443, '192.168.1.20', 50000, TCP_SYN | TCP_ACK),
      tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_ACK),
      tcpPacket('10.0.4.20', 443, '192.168.1.20', 50000, TCP_RST | TCP_ACK),
    );
    expect(digest.tcp).toEqual({ packets: 4, syn: 1, synAck: 1, rst: 1 });
  });

  it('cut at every length, a packet counts exactly the layers whose bytes were captured, and never throws', () => {
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40, 0x01, 0x00, 0x00, 0x3c]);
    const ipv4Syn = tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_SYN, hello);
    const ipv6Query = ethernet(ETHER_IPV6, ipv6Dns);
    for (let cut = 0; cut <= ipv4Syn.length; cut++) {
      const digest = digestOf(captured(ipv4Syn.subarray(0, cut), { originalLength: ipv4Syn.length }));
      expect(digest.truncatedPackets).toBe(cut < ipv4Syn.length ? 1 : 0);
      expect(digest.ipv4Packets, `cut at ${cut}`).toBe(cut >= 15 ? 1 : 0);
      expect(digest.tcp.packets, `cut at ${cut}`).toBe(cut >= 34 ? 1 : 0);
      expect(digest.tcp.syn, `cut at ${cut}`).toBe(cut >= 50 ? 1 : 0);
      expect(digest.tls.clientHellos, `cut at ${cut}`).toBe(cut >= 54 + 6 ? 1 : 0);
    }
    for (let cut = 0; cut <= ipv6Query.length; cut++) {
      const digest = digestOf(captured(ipv6Query.subarray(0, cut), { originalLength: ipv6Query.length }));
      expect(digest.ipv6Packets, `cut at ${cut}`).toBe(cut >= 15 ? 1 : 0);
      expect(digest.udp.packets, `cut at ${cut}`).toBe(cut >= 54 ? 1 : 0);
      expect(digest.dns.queries, `cut at ${cut}`).toBe(cut >= 54 + 8 + 12 ? 1 : 0);
    }
  });

  it('reads no further than the captured length when the packet buffer is longer', () => {
    const packet = tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_SYN);
    const digest = digestOf({ ...captured(packet), capturedLength: 40, originalLength: packet.length });
    expect(digest).toMatchObject({ capturedBytes: 40, tcp: { packets: 1, syn: 0 }, truncatedPackets: 1 });
  });
});

describe('DNS over UDP port 53', () => {
  it('matches responses to queries by client address and port, id and server, and names rcodes', () => {
    const t = tally(
      dnsPacket(dnsMessage(1, 'www.example.com'), true),
      dnsPacket(
        dnsMessage(1, 'www.example.com', { response: true, answers: [{ type: 'A', address: '93.184.216.34' }] }),
        false,
      ),
      dnsPacket(dnsMessage(2, 'intranet.example.com'), true),
      dnsPacket(dnsMessage(2, 'intranet.example.com', { response: true, rcode: 3 }), false),
      dnsPacket(dnsMessage(3, 'db.example.com'), true),
      dnsPacket(dnsMessage(3, 'db.example.com', { response: true, rcode: 2 }), false),
      // Same id from another port, to another server, and an answer from a server not asked: none match.
      dnsPacket(dnsMessage(4, 'a.example.com'), true, '192.168.1.20', '10.0.0.53', 40001),
      dnsPacket(dnsMessage(4, 'a.example.com', { response: true }), false, '192.168.1.20', '10.0.0.54', 40001),
      dnsPacket(dnsMessage(5, 'b.example.com', { response: true, rcode: 5 }), false),
    );
    const digest = t.digest('pcap');
    expect(digest.dns).toEqual({
      queries: 4,
      responses: 5,
      rcodes: { NOERROR: 2, NXDOMAIN: 1, SERVFAIL: 1, REFUSED: 1 },
      unanswered: 1,
    });
    const findings = t.findings();
    expect(ofKind(findings, 'dns-failures')).toEqual([
      {
        kind: 'dns-failures',
        failed: 3,
        total: 5,
        byRcode: { NXDOMAIN: 1, SERVFAIL: 1, REFUSED: 1 },
        names: [
          { name: 'b.example.com', rcode: 'REFUSED', count: 1 },
          { name: 'db.example.com', rcode: 'SERVFAIL', count: 1 },
          { name: 'intranet.example.com', rcode: 'NXDOMAIN', count: 1 },
        ],
      },
    ]);
    expect(ofKind(findings, 'dns-unanswered')).toEqual([
      {
        kind: 'dns-unanswered',
        count: 1,
        queries: 4,
        nearEnd: 1,
        servers: [{ address: '10.0.0.53', count: 1 }],
        names: ['a.example.com'],
      },
    ]);
  });

  it('counts retransmitted queries as queries but one lookup; measures slow answers from the first copy', () => {
    const start = 1_800_000_000_000_000;
    const query = dnsPacket(dnsMessage(7, 'slow.example.com'), true);
    const t = tally(
      captured(query, { timestampUs: start }),
      captured(query, { timestampUs: start + 1_000_000 }),
      captured(dnsPacket(dnsMessage(7, 'slow.example.com', { response: true }), false), {
        timestampUs: start + 1_500_000,
      }),
      captured(dnsPacket(dnsMessage(8, 'fast.example.com'), true), { timestampUs: start + 2_000_000 }),
      captured(dnsPacket(dnsMessage(8, 'fast.example.com', { response: true }), false), {
        timestampUs: start + 2_900_000,
      }),
      captured(dnsPacket(dnsMessage(9, 'late.example.com'), true), { timestampUs: start + 3_000_000 }),
      captured(tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_ACK), { timestampUs: start + 9_000_000 }),
    );
    expect(t.digest('pcap').dns).toMatchObject({ queries: 4, responses: 2, unanswered: 1 });
    const findings = t.findings();
    expect(ofKind(findings, 'dns-slow')).toEqual([
      {
        kind: 'dns-slow',
        count: 1,
        responses: 2,
        thresholdMs: 1000,
        slowest: [{ name: 'slow.example.com', ms: 1500 }],
      },
    ]);
    expect(ofKind(findings, 'dns-unanswered')[0]).toMatchObject({ count: 1, nearEnd: 0, names: ['late.example.com'] });
  });

  it('counts DNS on port 53 either way, not on other ports; needs the 12-byte header', () => {
    const message = dnsMessage(10, 'x.example.com');
    const between = (sourcePort: number, destinationPort: number, payload: Uint8Array) =>
      ethernet(ETHER_IPV4, ipv4(udp(sourcePort, destinationPort, payload), { protocol: 17 }));
    const digest = digestOf(
      between(53, 53, message),
      between(5353, 5353, message),
      between(40000, 53, message.subarray(0, 11)),
      between(40000, 53, message.subarray(0, 12)),
      // A UDP length under 8 is bogus: no payload.
      ethernet(ETHER_IPV4, ipv4(udp(40000, 53, message, 6), { protocol: 17 })),
    );
    expect(digest.udp.packets).toBe(5);
    expect(digest.dns.queries).toBe(2);
  });

  it('gives peers the name that was looked up (A and AAAA answers, compressed owner names)', () => {
    const digest = digestOf(
      dnsPacket(dnsMessage(1, 'WWW.Example.COM'), true),
      dnsPacket(
        dnsMessage(1, 'WWW.Example.COM', {
          response: true,
          answers: [
            { type: 'A', address: '93.184.216.34' },
            { type: 'AAAA', address: '2606:2800:220:1:248:1893:25c8:1946' },
          ],
        }),
        false,
      ),
      tcpPacket('192.168.1.20', 50000, '93.184.216.34', 443, TCP_SYN),
      ethernet(ETHER_IPV6, ipv6(tcp(50001, 443, TCP_SYN), 6, '2001:db8::20', '2606:2800:220:1:248:1893:25c8:1946')),
      ethernet(ETHER_IPV6, ipv6Dns),
    );
    expect(digest.topPeers).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ address: '93.184.216.34', name: 'www.example.com' }),
        expect.objectContaining({ address: '2606:2800:220:1:248:1893:25c8:1946', name: 'www.example.com' }),
      ]),
    );
  });

  it('reads names safely: a pointer loop, a forward pointer, an over-long name and odd bytes give no name and no hang', () => {
    const header = (id: number) => bytes(be16(id), be16(0x8183), be16(1), be16(0), be16(0), be16(0));
    // "www" then a pointer back to the name's own start: www.www.www… until the 255-byte limit.
    const loop = bytes(header(1), [3, 0x77, 0x77, 0x77, 0xc0, 12], be16(1), be16(1));
    const selfPointer = bytes(header(2), [0xc0, 12], be16(1), be16(1));
    const forward = bytes(header(3), [0xc0, 40], be16(1), be16(1), Buffer.alloc(40));
    const tooLong = bytes(
      header(4),
      [...new Array(5).fill(0).flatMap(() => [63, ...Buffer.alloc(63, 0x61)]), 0],
      be16(1),
      be16(1),
    );
    const odd = bytes(header(5), [5, 0x61, 0x2e, 0x0a, 0x5c, 0xff, 3, 0x63, 0x6f, 0x6d, 0], be16(1), be16(1));
    const started = performance.now();
    const t = tally(...[loop, selfPointer, forward, tooLong, odd].map((message) => dnsPacket(message, false)));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(t.digest('pcap').dns).toMatchObject({ responses: 5, rcodes: { NXDOMAIN: 5 } });
    const names = ofKind(t.findings(), 'dns-failures')[0]?.names.map((n) => [n.name, n.count]);
    expect(names).toEqual([
      ['', 4],
      ['a\\046\\010\\092\\255.com', 1],
    ]);
  });

  it('keeps the names that fail most when thousands of names fail (bounded table)', () => {
    const packets: Buffer[] = [];
    for (let i = 0; i < 3000; i++)
      packets.push(dnsPacket(dnsMessage(i & 0xffff, `host-${i}.corp.example`, { response: true, rcode: 3 }), false));
    for (let i = 0; i < 200; i++)
      packets.push(dnsPacket(dnsMessage(i, 'intranet.example.com', { response: true, rcode: 3 }), false));
    const failures = ofKind(tally(...packets).findings(), 'dns-failures')[0];
    expect(failures?.failed).toBe(3200);
    expect(failures?.names.length).toBe(10);
    expect(failures?.names[0]?.name).toBe('intranet.example.com');
    expect(failures?.names[0]?.count).toBeGreaterThanOrEqual(200);
  });

  it('counts every unanswered query when more wait than its table holds', () => {
    const packets: Uint8Array[] = [];
    for (let i = 0; i < 10_000; i++)
      packets.push(
        dnsPacket(dnsMessage(i & 0xffff, `q${i}.example.com`), true, '192.168.1.20', '10.0.0.53', 20000 + (i >> 16)),
      );
    const t = tally(...packets);
    expect(t.digest('pcap').dns.unanswered).toBe(10_000);
    const finding = ofKind(t.findings(), 'dns-unanswered')[0];
    expect(finding?.servers).toEqual([{ address: '10.0.0.53', count: 10_000 }]);
    expect(finding?.names.length).toBeLessThanOrEqual(10);
  });

  it('reads a real query from Node’s resolver (c-ares) and the answer to it', async () => {
    const server = dgram.createSocket('udp4');
    const queries: Buffer[] = [];
    const answers: Buffer[] = [];
    server.on('message', (message, from) => {
      queries.push(message);
      // NXDOMAIN: the query's id, question and flags with QR, RD, RA and RCODE 3.
      const answer = Buffer.from(message);
      answer.writeUInt16BE(0x8183 | (message.readUInt16BE(2) & 0x0100), 2);
      answer.writeUInt16BE(0, 10);
      const end = 12 + answer.subarray(12).indexOf(0) + 5;
      answers.push(answer.subarray(0, end));
      server.send(answer.subarray(0, end), from.port, from.address);
    });
    await new Promise<void>((resolve) => server.bind(0, '127.0.0.1', resolve));
    try {
      const resolver = new Resolver({ timeout: 2000, tries: 1 });
      resolver.setServers([`127.0.0.1:${server.address().port}`]);
      await expect(resolver.resolve4('Intranet.Example.com')).rejects.toMatchObject({ code: 'ENOTFOUND' });
    } finally {
      server.close();
    }
    const t = tally(
      ...queries.map((query) => dnsPacket(query, true)),
      ...answers.map((answer) => dnsPacket(answer, false)),
    );
    expect(t.digest('pcap').dns).toMatchObject({
      queries: queries.length,
      responses: answers.length,
      rcodes: { NXDOMAIN: answers.length },
      unanswered: 0,
    });
    expect(ofKind(t.findings(), 'dns-failures')[0]?.names).toEqual([
      { name: 'intranet.example.com', rcode: 'NXDOMAIN', count: answers.length },
    ]);
  });
});

describe('TLS ClientHello server names', () => {
  it('reads the SNI of a real ClientHello (Node’s TLS) and names the server after it', async () => {
    const hello = await nodeClientHello('intranet.example.com');
    const digest = digestOf(
      tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_SYN),
      tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_PSH | TCP_ACK, hello),
      // Any port: the payload says it is TLS.
      tcpPacket('192.168.1.20', 50001, '10.0.4.21', 8443, TCP_PSH | TCP_ACK, await nodeClientHello('git.example.com')),
      tcpPacket('192.168.1.20', 50001, '10.0.4.21', 8443, TCP_PSH | TCP_ACK, await nodeClientHello('git.example.com')),
    );
    expect(digest.tls).toEqual({ clientHellos: 3, serverNames: ['intranet.example.com', 'git.example.com'] });
    expect(digest.topPeers.find((peer) => peer.address === '10.0.4.20')?.name).toBe('intranet.example.com');
  });

  it('counts a hello split across segments or cut by the snap length, without a name, and nothing else as one', async () => {
    const hello = await nodeClientHello('intranet.example.com');
    const sniAt = hello.indexOf(Buffer.from('intranet.example.com'));
    expect(sniAt).toBeGreaterThan(60);
    const split = [hello.subarray(0, sniAt - 10), hello.subarray(sniAt - 10)];
    const whole = tcpPacket('192.168.1.20', 50002, '10.0.4.22', 443, TCP_PSH | TCP_ACK, hello);
    const serverHello = Buffer.from(hello);
    serverHello[5] = 2;
    const digest = digestOf(
      ...split.map((part) => tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_PSH | TCP_ACK, part)),
      captured(whole.subarray(0, 54 + sniAt + 5), { originalLength: whole.length }),
      tcpPacket('10.0.4.20', 443, '192.168.1.20', 50000, TCP_PSH | TCP_ACK, serverHello),
      tcpPacket(
        '192.168.1.20',
        50000,
        '10.0.4.20',
        443,
        TCP_PSH | TCP_ACK,
        Buffer.from([0x17, 0x03, 0x03, 0x00, 0x10, 0x01]),
      ),
    );
    expect(digest.tls).toEqual({ clientHellos: 2, serverNames: [] });
  });
});

describe('peers', () => {
  it('lists the remote sides by bytes on the wire, without the capturing host, with names', async () => {
    const local = '192.168.1.20';
    const packets: CapturedPacket[] = [];
    const exchange = (server: string, count: number, length: number) => {
      for (let i = 0; i < count; i++) {
        packets.push(captured(tcpPacket(local, 50000, server, 443, TCP_ACK), { originalLength: length }));
        packets.push(captured(tcpPacket(server, 443, local, 50000, TCP_ACK), { originalLength: length }));
      }
    };
    // A DNS name for the address first; the server name the client then asked for wins.
    const cdn = { response: true, answers: [{ type: 'A' as const, address: '10.0.4.20' }] };
    packets.push(captured(dnsPacket(dnsMessage(9, 'wiki-cdn.example.net'), true), { originalLength: 64 }));
    packets.push(captured(dnsPacket(dnsMessage(9, 'wiki-cdn.example.net', cdn), false), { originalLength: 80 }));
    packets.push(
      captured(tcpPacket(local, 50000, '10.0.4.20', 443, TCP_PSH | TCP_ACK, await nodeClientHello('wiki.example.com'))),
    );
    exchange('10.0.4.20', 10, 1500);
    exchange('10.0.4.21', 50, 100);
    exchange('10.0.4.22', 1, 60);
    const digest = digestOf(...packets);
    expect(digest.topPeers.map((peer) => peer.address)).toEqual(['10.0.4.20', '10.0.4.21', '10.0.0.53', '10.0.4.22']);
    expect(digest.topPeers[2]).toEqual({ address: '10.0.0.53', packets: 2, bytes: 144 });
    expect(digest.topPeers[1]).toEqual({ address: '10.0.4.21', packets: 100, bytes: 10_000 });
    expect(digest.topPeers[0]?.name).toBe('wiki.example.com');
    expect(digest.topPeers[0]?.packets).toBe(21);
  });

  it('lists every address when no address is in half the packets (not one host’s capture)', () => {
    const digest = digestOf(
      tcpPacket('10.1.0.1', 1, '10.2.0.1', 2, TCP_ACK),
      tcpPacket('10.1.0.2', 1, '10.2.0.2', 2, TCP_ACK),
      tcpPacket('10.1.0.3', 1, '10.2.0.3', 2, TCP_ACK),
    );
    expect(digest.topPeers).toHaveLength(6);
  });

  it('keeps at most its capacity of addresses, and a heavy hitter among a hundred thousand others', () => {
    const table = new PeerTable();
    for (let i = 0; i < 100_000; i++) {
      table.add(i + 1, 100);
      if (i % 10 === 0) table.add(0, 1000);
    }
    expect(table.entries().length).toBe(PEER_CAPACITY);
    const heavy = table.get(0);
    expect(heavy?.bytes).toBeGreaterThanOrEqual(10_000 * 1000);
    expect(heavy?.packets).toBeGreaterThanOrEqual(10_000);
    expect([...table.entries()].sort((a, b) => b.bytes - a.bytes)[0]?.key).toBe(0);
  });

  it('formats IPv6 peers as RFC 5952 text', () => {
    const digest = digestOf(
      ethernet(ETHER_IPV6, ipv6(tcp(1, 2, TCP_ACK), 6, 'fe80::1', '2001:db8:0:0:1:0:0:1')),
      ethernet(ETHER_IPV6, ipv6(tcp(1, 2, TCP_ACK), 6, 'fe80::1', '::ffff:c000:201')),
    );
    expect(digest.topPeers.map((peer) => peer.address).sort()).toEqual(['2001:db8::1:0:0:1', '::ffff:192.0.2.1']);
  });
});

describe('TCP findings', () => {
  it('names connections reset by a peer and service port, refused ones, and attempts never answered', () => {
    const local = '192.168.1.20';
    const packets: Buffer[] = [];
    for (let port = 50000; port < 50003; port++) {
      packets.push(tcpPacket(local, port, '10.0.4.20', 443, TCP_SYN));
      packets.push(tcpPacket('10.0.4.20', 443, local, port, TCP_SYN | TCP_ACK));
      packets.push(tcpPacket(local, port, '10.0.4.20', 443, TCP_ACK));
      packets.push(tcpPacket('10.0.4.20', 443, local, port, TCP_RST | TCP_ACK));
    }
    packets.push(tcpPacket(local, 50010, '10.0.4.30', 5432, TCP_SYN));
    packets.push(tcpPacket('10.0.4.30', 5432, local, 50010, TCP_RST | TCP_ACK));
    for (let i = 0; i < 3; i++) packets.push(tcpPacket(local, 50020, '10.0.4.40', 22, TCP_SYN));
    const findings = tally(...packets).findings();
    expect(ofKind(findings, 'tcp-resets')).toEqual([
      { kind: 'tcp-resets', peer: '10.0.4.20', port: 443, count: 3, packets: 3, refused: 0 },
      { kind: 'tcp-resets', peer: '10.0.4.30', port: 5432, count: 1, packets: 1, refused: 1 },
    ]);
    expect(ofKind(findings, 'tcp-unanswered')).toEqual([
      { kind: 'tcp-unanswered', peer: '10.0.4.40', port: 22, connections: 1, attempts: 3 },
    ]);
    expect(findings.map((finding) => finding.kind)).toEqual(['tcp-unanswered', 'tcp-resets', 'tcp-resets']);
  });

  it('counts unanswered attempts past its table of waiting SYNs', () => {
    const packets: Buffer[] = [];
    for (let i = 0; i < 6000; i++) packets.push(tcpPacket('192.168.1.20', 10000 + i, '10.0.4.40', 443, TCP_SYN));
    expect(ofKind(tally(...packets).findings(), 'tcp-unanswered')).toEqual([
      { kind: 'tcp-unanswered', peer: '10.0.4.40', port: 443, connections: 6000, attempts: 6000 },
    ]);
  });
});

describe('counts, times and problems', () => {
  it('counts bytes, cut packets and the time span with microseconds, whatever the packet order', () => {
    const packet = tcpPacket('192.168.1.20', 1, '10.0.0.1', 2, TCP_ACK);
    const digest = digestOf(
      captured(packet, { timestampUs: 1_764_741_884_123_456, originalLength: 1500 }),
      captured(packet, { timestampUs: 1_764_741_880_000_001 }),
      captured(packet, { timestampUs: null }),
      captured(packet, { timestampUs: 1_764_741_890_999_999 }),
    );
    expect(digest).toMatchObject({
      packets: 4,
      capturedBytes: 4 * packet.length,
      originalBytes: 3 * packet.length + 1500,
      truncatedPackets: 1,
      firstPacketAt: '2025-12-03T06:04:40.000001Z',
      lastPacketAt: '2025-12-03T06:04:50.999999Z',
    });
  });

  it('writes ISO 8601 UTC times with microseconds, and none out of range', () => {
    expect(isoMicroseconds(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(isoMicroseconds(-1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(isoMicroseconds(4_294_967_295_999_999)).toBe('2106-02-07T06:28:15.999999Z');
    expect(isoMicroseconds(Number.MAX_SAFE_INTEGER * 1000)).toBeNull();
    expect(isoMicroseconds(null)).toBeNull();
  });

  it('keeps the reader’s problems (bounded) and makes them a finding', () => {
    const t = tally(tcpPacket('192.168.1.20', 1, '10.0.0.1', 2, TCP_ACK));
    t.problem('file ends inside packet 2');
    for (let i = 0; i < 500; i++) t.problem('x'.repeat(1000));
    const digest = t.digest('pcap');
    expect(digest.problems[0]).toBe('file ends inside packet 2');
    expect(digest.problems.length).toBe(100);
    expect(Math.max(...digest.problems.map((p) => p.length))).toBe(300);
    expect(t.findings()).toEqual([{ kind: 'file-problems', count: 501 }]);
  });

  it('makes the capturing system’s dropped packets a finding (the last statistics of each interface)', () => {
    const t = tally(tcpPacket('192.168.1.20', 1, '10.0.0.1', 2, TCP_ACK));
    const statistics = { acceptedByFilter: null, deliveredToUser: null };
    t.statistics({ interfaceId: 0, section: 0, received: 100, droppedByInterface: 1, droppedByOs: 0, ...statistics });
    t.statistics({ interfaceId: 0, section: 0, received: 900, droppedByInterface: 5, droppedByOs: 7, ...statistics });
    t.statistics({
      interfaceId: 1,
      section: 0,
      received: null,
      droppedByInterface: null,
      droppedByOs: 3,
      ...statistics,
    });
    expect(t.findings()).toEqual([{ kind: 'packets-dropped', dropped: 15, received: null }]);
    const none = tally(tcpPacket('192.168.1.20', 1, '10.0.0.1', 2, TCP_ACK));
    none.statistics({ interfaceId: 0, section: 0, received: 10, droppedByInterface: 0, droppedByOs: 0, ...statistics });
    expect(none.findings()).toEqual([]);
  });

  it('never throws and keeps its counts consistent on random bytes of every link type', () => {
    const linkTypes = [0, 1, 12, 14, 101, 108, 113, 127, 149, 228, 229, 258, 276];
    fc.assert(
      fc.property(
        fc.array(fc.record({ linkType: fc.constantFrom(...linkTypes), data: fc.uint8Array({ maxLength: 300 }) }), {
          maxLength: 40,
        }),
        (packets) => {
          const t = new PacketTally('random.pcap');
          for (const { linkType, data } of packets) t.packet(captured(data, { linkType }));
          const d = t.digest(null);
          const transports = d.tcp.packets + d.udp.packets + d.icmp.packets + (d.icmpv6?.packets ?? 0);
          expect(d.packets).toBe(packets.length);
          expect(transports).toBeLessThanOrEqual(d.ipv4Packets + d.ipv6Packets);
          expect(d.ipv4Packets + d.ipv6Packets).toBeLessThanOrEqual(d.packets);
          expect(d.tcp.syn + d.tcp.synAck).toBeLessThanOrEqual(d.tcp.packets);
          expect(d.dns.queries + d.dns.responses).toBeLessThanOrEqual(d.udp.packets);
          expect(d.tls.clientHellos).toBeLessThanOrEqual(d.tcp.packets);
          expect(d.problems).toEqual([]);
          t.findings();
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never throws on DNS and TLS payloads with random bytes after valid headers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 12, maxLength: 200 }), fc.boolean(), (payload, asTls) => {
        const body = Buffer.from(payload);
        if (asTls) body.set([0x16, 0x03, 0x01, payload[3] ?? 0, payload[4] ?? 0, 0x01]);
        const packet = asTls
          ? tcpPacket('192.168.1.20', 50000, '10.0.4.20', 443, TCP_PSH | TCP_ACK, body)
          : dnsPacket(body, (payload[2] ?? 0) < 0x80);
        const t = tally(packet);
        const d = t.digest('pcap');
        expect(d.problems).toEqual([]);
        expect(asTls ? d.tls.clientHellos : d.dns.queries + d.dns.responses).toBe(1);
        t.findings();
      }),
      { numRuns: 500 },
    );
  });
});

describe('PCAP zip findings', () => {
  const digest = (packets: number): PacketDigest => ({ ...digestOf(), packets });

  it('finds a tunnel capture empty or near-empty while the default interface is busy', () => {
    const idle = pcapZipFindings({
      default: { digest: digest(5000), fileBytes: 400_000 },
      tunnel: { digest: digest(12), fileBytes: 2_000 },
      interfaces: [
        { name: 'default', ok: true, error: null },
        { name: 'tunnel', ok: true, error: null },
      ],
      maxFileSizeMb: 5,
    });
    expect(idle).toEqual([{ kind: 'tunnel-idle', tunnelPackets: 12, defaultPackets: 5000 }]);
    const quiet = pcapZipFindings({
      default: { digest: digest(60), fileBytes: 9_000 },
      tunnel: { digest: digest(0), fileBytes: 24 },
      interfaces: null,
      maxFileSizeMb: null,
    });
    expect(quiet).toEqual([]);
    const busy = pcapZipFindings({
      default: { digest: digest(5000), fileBytes: 400_000 },
      tunnel: { digest: digest(300), fileBytes: 40_000 },
      interfaces: null,
      maxFileSizeMb: null,
    });
    expect(busy).toEqual([]);
  });

  it('finds a capture that ended on the size limit, a failed capture and a missing one', () => {
    const findings = pcapZipFindings({
      default: { digest: digest(60_000), fileBytes: 4_880_000 },
      tunnel: null,
      interfaces: [
        { name: 'default', ok: true, error: null },
        { name: 'tunnel', ok: false, error: 'utun not found' },
      ],
      maxFileSizeMb: 5,
    });
    expect(findings).toEqual([
      { kind: 'capture-failed', interface: 'tunnel', error: 'utun not found' },
      { kind: 'size-limit-reached', capture: 'default', fileBytes: 4_880_000, maxFileSizeMb: 5 },
    ]);
    expect(
      pcapZipFindings({
        default: { digest: digest(100), fileBytes: 4_000_000 },
        tunnel: null,
        interfaces: null,
        maxFileSizeMb: 5,
      }),
    ).toEqual([{ kind: 'capture-missing', capture: 'tunnel' }]);
  });
});
