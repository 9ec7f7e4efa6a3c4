#!/usr/bin/env node
/*
 * Regenerates test/fixtures/corpus/tshark.json: what Wireshark's tshark finds in every capture file of
 * test/fixtures/corpus/pcap/, counted by the digest's rules (issue 12), so that test/digest/packets-corpus.test.ts
 * can check our packet digest against something nobody here wrote. Run by hand, when the corpus or tshark changes:
 *
 *   node scripts/tshark-fixtures.mjs [--tshark /usr/bin/tshark]
 *
 * Needs tshark (Debian package `tshark`) and the repo's node_modules (the JSON is formatted with biome at the end).
 * The tests never run tshark. The `disagreements` already in tshark.json are kept: they are ours (files and figures
 * where the digest differs from tshark on purpose, each with its reason), not tshark's.
 *
 * tshark dissects; this script counts, by the rules:
 * - tshark runs with TCP, TLS and IP reassembly off, no name resolution.
 * - A packet's network layer is the first `ip`/`ipv6` in frame.protocols (an `ip` whose version is not 4 is not an
 *   IPv4 header: Wireshark shows bogus versions so), and only when everything before it is one of the link layers
 *   the digest decodes (Ethernet and its VLAN tags, BSD NULL/LOOP, raw IP, Linux cooked SLL/SLL2, macOS PKTAP).
 *   Anything else in front (PPP, Frame Relay, MPLS, 802.11, NFLOG…) is a link layer the digest only counts, so
 *   neither side counts IP there.
 * - The transport is the protocol right after it (after IPv6 extension headers, AH among them, for IPv6 only). A
 *   non-first fragment shows as `data` there: no transport.
 * - TCP flags, DNS and TLS fields are taken with `-E occurrence=f` (the first of each in the packet), and only when
 *   the stack shows that layer right after the first transport, so a packet quoted inside an ICMP error, or carried
 *   in a tunnel, never counts.
 * - `icmp` is ICMP for IPv4 (IP protocol 1), as Wireshark's `icmp` display filter; ICMPv6 (protocol 58) is counted
 *   apart, as its `icmpv6` filter.
 * - DNS: UDP with port 53 on either side, `dns` right after `udp`, and the 12-byte header captured (`dns.count.add_rr`,
 *   its last field, is present). Response rcodes are the header's 4-bit RCODE, named as IANA does.
 * - TLS: the segment's first record is a handshake (`tls.record.content_type` 22) whose first message is a
 *   ClientHello (`tls.handshake.type` 1); its server name, when tshark found one in the segment. tshark dissects
 *   no handshake message of a record cut short by the snap length, so in a capture of 160-byte packets it finds no
 *   hello where the digest reads one and its server name (no corpus file has TLS; `npm run bench` compares both).
 * - Times: frame.time_epoch of the earliest and the latest packet, cut to microseconds.
 * A file tshark cannot read to the end keeps its error (`tsharkError`) and whatever figures it gave before it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const corpus = join(root, 'test/fixtures/corpus/pcap');
const output = join(root, 'test/fixtures/corpus/tshark.json');
const tsharkAt = process.argv.indexOf('--tshark');
const tshark = tsharkAt > 0 ? process.argv[tsharkAt + 1] : '/usr/bin/tshark';

const PREFERENCES = [
  'tcp.desegment_tcp_streams:FALSE',
  'tcp.analyze_sequence_numbers:FALSE',
  'tls.desegment_ssl_records:FALSE',
  'tls.desegment_ssl_application_data:FALSE',
  'ip.defragment:FALSE',
  'ipv6.defragment:FALSE',
];
// The SNI comes last: it is the one free-text field, so a tab inside it cannot shift the others.
const FIELDS = [
  'frame.protocols',
  'frame.len',
  'frame.cap_len',
  'frame.time_epoch',
  'ip.version',
  'udp.srcport',
  'udp.dstport',
  'tcp.flags',
  'dns.flags.response',
  'dns.flags.rcode',
  'dns.count.add_rr',
  'tls.record.content_type',
  'tls.handshake.type',
  'tls.handshake.extensions_server_name',
];
/** frame.protocols names of the link layers the digest decodes (tshark's dissector names). */
const LINK_LAYERS = new Set([
  'eth',
  'ethertype',
  'vlan',
  'ieee8021ad',
  'null',
  'raw',
  'sll',
  'pktap',
  'pcap_pktdata',
  'user_dlt',
]);
/** What tshark shows for the IPv6 extension headers the digest steps over. */
const IPV6_EXTENSIONS = new Set(['ipv6.hopopts', 'ipv6.routing', 'ipv6.fraghdr', 'ipv6.dstopts', 'ah']);
const RCODES = [
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
const rcodeName = (code) => RCODES[code] ?? `RCODE${code}`;

function versionOf() {
  const run = spawnSync(tshark, ['--version'], { encoding: 'utf8' });
  if (run.error) throw new Error(`cannot run ${tshark}: ${run.error.message}`);
  return run.stdout.split('\n')[0].trim();
}

/** Seconds since the epoch as tshark prints them ("1700000000.123456789") → ISO 8601 UTC with microseconds. */
function isoMicros(epoch) {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(epoch);
  if (!match) return null;
  const [, minus, whole, fraction = ''] = match;
  let micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0').slice(0, 6));
  if (minus) micros = -micros;
  return micros;
}

function isoOf(micros) {
  if (micros === null) return null;
  const ms = micros / 1000n - (micros % 1000n < 0n ? 1n : 0n);
  const sub = ((micros % 1_000_000n) + 1_000_000n) % 1_000_000n;
  const date = new Date(Number(ms));
  if (Number.isNaN(date.getTime())) return null;
  return `${date.toISOString().slice(0, 19)}.${String(sub).padStart(6, '0')}Z`;
}

function count(file) {
  const run = spawnSync(
    tshark,
    [
      '-n',
      '-r',
      join(corpus, file),
      ...PREFERENCES.flatMap((p) => ['-o', p]),
      '-T',
      'fields',
      '-E',
      'occurrence=f',
      '-E',
      'separator=/t',
      '-E',
      'quote=n',
      ...FIELDS.flatMap((f) => ['-e', f]),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 30 },
  );
  const error = run.stderr
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('Running as user'))
    .join(' ')
    .trim();
  const figures = {
    file,
    tsharkError: run.status === 0 && !error ? null : error || `tshark exited with ${run.status}`,
    packets: 0,
    capturedBytes: 0,
    originalBytes: 0,
    truncatedPackets: 0,
    firstPacketAt: null,
    lastPacketAt: null,
    ipv4Packets: 0,
    ipv6Packets: 0,
    tcp: { packets: 0, syn: 0, synAck: 0, rst: 0 },
    udp: { packets: 0 },
    icmp: { packets: 0 },
    icmpv6: { packets: 0 },
    dns: { queries: 0, responses: 0, rcodes: {} },
    tls: { clientHellos: 0, serverNames: [] },
  };
  let first = null;
  let last = null;
  const names = new Set();
  for (const line of run.stdout.split('\n')) {
    if (line === '') continue;
    const cells = line.split('\t');
    const [
      protocols,
      len,
      capLen,
      epoch,
      ipVersion,
      srcPort,
      dstPort,
      tcpFlags,
      dnsResponse,
      rcode,
      addRr,
      contentType,
      hsType,
    ] = cells;
    const sni = cells.slice(13).join('\t');
    figures.packets++;
    figures.capturedBytes += Number(capLen);
    figures.originalBytes += Number(len);
    if (Number(capLen) < Number(len)) figures.truncatedPackets++;
    const at = isoMicros(epoch);
    if (at !== null) {
      if (first === null || at < first) first = at;
      if (last === null || at > last) last = at;
    }
    const layers = protocols.split(':');
    let network = layers.findIndex((name) => name === 'ip' || name === 'ipv6');
    if (network < 0 || !layers.slice(0, network).every((name) => LINK_LAYERS.has(name))) continue;
    // Under EtherType 0x0800 Wireshark shows a header of another version as `ip` ("bogus version"), handing a
    // version-6 one on to `ipv6`: the version nibble decides what the header is.
    if (layers[network] === 'ip' && ipVersion !== '4') {
      if (layers[network + 1] !== 'ipv6') continue;
      network++;
    }
    let transport = network + 1;
    if (layers[network] === 'ip') figures.ipv4Packets++;
    else {
      figures.ipv6Packets++;
      while (IPV6_EXTENSIONS.has(layers[transport])) transport++;
    }
    const above = layers[transport + 1];
    switch (layers[transport]) {
      case 'tcp': {
        figures.tcp.packets++;
        if (!tcpFlags) break;
        const flags = Number.parseInt(tcpFlags, 16);
        const syn = (flags & 0x02) !== 0;
        const ack = (flags & 0x10) !== 0;
        if (syn && !ack) figures.tcp.syn++;
        if (syn && ack) figures.tcp.synAck++;
        if (flags & 0x04) figures.tcp.rst++;
        if (above === 'tls' && contentType === '22' && hsType === '1') {
          figures.tls.clientHellos++;
          if (sni) names.add(sni);
        }
        break;
      }
      case 'udp': {
        figures.udp.packets++;
        if (above !== 'dns' || (srcPort !== '53' && dstPort !== '53') || !addRr) break;
        if (dnsResponse === '1' || dnsResponse === 'True') {
          figures.dns.responses++;
          const name = rcodeName(Number(rcode));
          figures.dns.rcodes[name] = (figures.dns.rcodes[name] ?? 0) + 1;
        } else figures.dns.queries++;
        break;
      }
      case 'icmp':
        figures.icmp.packets++;
        break;
      case 'icmpv6':
        figures.icmpv6.packets++;
        break;
    }
  }
  figures.firstPacketAt = isoOf(first);
  figures.lastPacketAt = isoOf(last);
  figures.tls.serverNames = [...names].sort();
  return figures;
}

const previous = existsSync(output) ? JSON.parse(readFileSync(output, 'utf8')) : {};
const files = readdirSync(corpus)
  .filter((name) => /\.(pcap|pcapng)$/.test(name))
  .sort();
const results = {};
for (const [i, file] of files.entries()) {
  if (process.stderr.isTTY) process.stderr.write(`\r${i + 1}/${files.length} ${file.padEnd(60)}`);
  results[file] = count(file);
}
process.stderr.write('\n');
const fixture = {
  about:
    'Written by scripts/tshark-fixtures.mjs (see its header for the counting rules); disagreements are kept by hand.',
  tshark: versionOf(),
  preferences: PREFERENCES,
  icmp: 'icmp counts ICMP for IPv4 only (IP protocol 1), as Wireshark’s `icmp` filter; ICMPv6 is icmpv6, as its `icmpv6` filter',
  disagreements: previous.disagreements ?? [],
  files: results,
};
writeFileSync(output, `${JSON.stringify(fixture, null, 2)}\n`);
const biome = join(root, 'node_modules/.bin/biome');
if (existsSync(biome)) spawnSync(biome, ['format', '--write', output], { stdio: 'inherit' });
else process.stderr.write('biome not found: run `npx biome format --write` on the fixture before committing\n');
process.stderr.write(`wrote ${output}: ${files.length} files\n`);
