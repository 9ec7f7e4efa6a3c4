import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PacketDigest } from '../../src/digest/model.js';
import { createPcap } from '../../src/simulator/pcap.js';
import { runChild } from '../processes.js';
import type { Row } from '../report.js';
import { mb, ratio } from '../stats.js';

const GB = 1024 * 1024 * 1024;
/** WARP's default packet size: mostly headers, as the digest sees real captures. */
const SNAP_LENGTH = 160;
const TSHARK = 'tshark';
/**
 * What the digest reads from each packet, as tshark fields (first occurrence): the layers, lengths and time, the
 * addresses and ports (peers, DNS matching), TCP flags, the DNS header, question and answers, the TLS hello and SNI.
 * The SNI comes last: the one free-text field.
 */
const FIELDS = [
  'frame.protocols',
  'frame.len',
  'frame.cap_len',
  'frame.time_epoch',
  'ip.version',
  'ip.src',
  'ip.dst',
  'ipv6.src',
  'ipv6.dst',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'udp.srcport',
  'udp.dstport',
  'dns.id',
  'dns.flags.response',
  'dns.flags.rcode',
  'dns.count.add_rr',
  'dns.qry.name',
  'dns.a',
  'dns.aaaa',
  'tls.record.content_type',
  'tls.handshake.type',
  'tls.handshake.extensions_server_name',
];
/** As in scripts/tshark-fixtures.mjs: the counting rules (no reassembly). */
const PREFERENCES = [
  'tcp.desegment_tcp_streams:FALSE',
  'tcp.analyze_sequence_numbers:FALSE',
  'tls.desegment_ssl_records:FALSE',
  'tls.desegment_ssl_application_data:FALSE',
  'ip.defragment:FALSE',
  'ipv6.defragment:FALSE',
];

interface Figures {
  packets: number;
  capturedBytes: number;
  ipv4Packets: number;
  ipv6Packets: number;
  tcp: number;
  syn: number;
  synAck: number;
  rst: number;
  udp: number;
  dnsQueries: number;
  dnsResponses: number;
  clientHellos: number;
  /** Distinct, sorted. */
  serverNames: string[];
}

/**
 * Digest throughput on a 1 GB classic pcap (the simulator's WARP tunnel capture model at a 160-byte snap length:
 * TLS sessions with ClientHellos, DNS lookups, bulk transfers), written to a temporary directory; our reader and
 * tally in a child process against `tshark -T fields` extracting what the digest needs from the same file, each
 * timed from spawn to exit. Also checks that both count the same.
 */
export async function digestThroughput(size = GB): Promise<Row[]> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-digest-'));
  try {
    const file = join(dir, 'capture-tunnel.pcap');
    const bytes = await writeCapture(file, size, SNAP_LENGTH);
    const ours = await digestInChild(file);
    const oursText = `ours ${seconds(ours.ms)} (${speed(bytes, ours.ms)}, ${Math.round(ours.figures.packets / (ours.ms / 1000) / 1000)}k packets/s, peak +${mb(ours.peakGrowth)})`;
    const metric = `packet digest of a ${mb(bytes)} pcap (${ours.figures.packets} packets, ${SNAP_LENGTH}-byte snap length), wall time vs tshark -T fields (${FIELDS.length} fields)`;
    if (spawnSync(TSHARK, ['--version']).error) {
      return [
        {
          metric,
          target: 'ours ≤ 0.20× tshark (when tshark is installed)',
          measured: `${oursText}; tshark not installed: comparison skipped`,
          holds: true,
        },
      ];
    }
    const theirs = await tsharkFigures(file);
    const value = ours.ms / theirs.ms;
    // At this snap length tshark dissects no handshake message of a TLS record the capture cut short, so it finds
    // no ClientHello at all; the digest reads the hello's start. TLS is compared on whole records below.
    const rows: Row[] = [
      {
        metric,
        target: 'ours ≤ 0.20× tshark',
        measured: `${ratio(value)} (${oursText}; tshark ${seconds(theirs.ms)})`,
        holds: value <= 0.2,
      },
      agreement(
        'the same file: packets, bytes, IPv4/IPv6, TCP/SYN/SYN-ACK/RST, UDP, DNS queries/responses (TLS apart: tshark reads no hello cut by the snap length)',
        ours.figures,
        theirs.figures,
        ['clientHellos', 'serverNames'],
        `TLS: ours ${ours.figures.clientHellos} hellos and ${ours.figures.serverNames.length} names, tshark ${theirs.figures.clientHellos}`,
      ),
    ];
    const whole = join(dir, 'capture-tunnel-whole.pcap');
    await writeCapture(whole, TLS_CHECK_BYTES, WHOLE_SNAP_LENGTH);
    const [oursWhole, theirsWhole] = [await digestInChild(whole), await tsharkFigures(whole)];
    rows.push(
      agreement(
        `TLS ClientHellos and server names of a ${mb(TLS_CHECK_BYTES)} capture of whole packets (${WHOLE_SNAP_LENGTH}-byte snap length)`,
        oursWhole.figures,
        theirsWhole.figures,
        [],
        `${oursWhole.figures.clientHellos} hellos, names ${oursWhole.figures.serverNames.join(', ')}`,
      ),
    );
    return rows;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A second, smaller capture whose TLS records are whole, so tshark reads the hellos too. */
const TLS_CHECK_BYTES = 64 * 1024 * 1024;
const WHOLE_SNAP_LENGTH = 1500;

async function writeCapture(file: string, budgetBytes: number, snapLength: number): Promise<number> {
  const capture = createPcap({
    seed: 'bench-digest',
    captureInterface: 'tunnel',
    platform: 'macos',
    snapLength,
    startTime: new Date('2026-12-03T06:00:00Z'),
    budgetBytes,
  });
  await pipeline(Readable.from(capture.chunks()), createWriteStream(file));
  return (await stat(file)).size;
}

async function digestInChild(file: string): Promise<{ ms: number; peakGrowth: number; figures: Figures }> {
  const started = performance.now();
  const child = await runChild<{ peakGrowth: number; digest: PacketDigest }>(
    'bench/children/digest-file.js',
    { file },
    600_000,
  );
  return { ms: performance.now() - started, peakGrowth: child.peakGrowth, figures: figuresOf(child.digest) };
}

function agreement(metric: string, ours: Figures, theirs: Figures, apart: (keyof Figures)[], note: string): Row {
  const differing = (Object.keys(ours) as (keyof Figures)[]).filter(
    (key) => !apart.includes(key) && JSON.stringify(ours[key]) !== JSON.stringify(theirs[key]),
  );
  return {
    metric,
    target: 'ours = tshark',
    measured:
      differing.length === 0
        ? `all equal (${ours.packets} packets, ${ours.tcp} TCP, ${ours.dnsQueries} DNS queries); ${note}`
        : differing.map((key) => `${key}: ours ${ours[key]}, tshark ${theirs[key]}`).join('; '),
    holds: differing.length === 0,
  };
}

function figuresOf(digest: PacketDigest): Figures {
  return {
    packets: digest.packets,
    capturedBytes: digest.capturedBytes,
    ipv4Packets: digest.ipv4Packets,
    ipv6Packets: digest.ipv6Packets,
    tcp: digest.tcp.packets,
    syn: digest.tcp.syn,
    synAck: digest.tcp.synAck,
    rst: digest.tcp.rst,
    udp: digest.udp.packets,
    dnsQueries: digest.dns.queries,
    dnsResponses: digest.dns.responses,
    clientHellos: digest.tls.clientHellos,
    serverNames: [...digest.tls.serverNames].sort(),
  };
}

/** Runs tshark over the file and counts its lines by the rules of scripts/tshark-fixtures.mjs, as they stream. */
async function tsharkFigures(file: string): Promise<{ ms: number; figures: Figures }> {
  const started = performance.now();
  const args = ['-n', '-r', file, ...PREFERENCES.flatMap((p) => ['-o', p]), '-T', 'fields', '-E', 'occurrence=f'];
  const tshark = spawn(TSHARK, [...args, ...FIELDS.flatMap((field) => ['-e', field])], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const exited = new Promise<number | null>((resolve) => tshark.once('exit', resolve));
  const at = Object.fromEntries(FIELDS.map((field, index) => [field, index])) as Record<string, number>;
  const figures: Figures = {
    packets: 0,
    capturedBytes: 0,
    ipv4Packets: 0,
    ipv6Packets: 0,
    tcp: 0,
    syn: 0,
    synAck: 0,
    rst: 0,
    udp: 0,
    dnsQueries: 0,
    dnsResponses: 0,
    clientHellos: 0,
    serverNames: [],
  };
  const names = new Set<string>();
  const field = (cells: string[], name: string) => cells[at[name] as number] ?? '';
  for await (const line of createInterface({ input: tshark.stdout })) {
    const cells = line.split('\t');
    figures.packets++;
    figures.capturedBytes += Number(field(cells, 'frame.cap_len'));
    const layers = field(cells, 'frame.protocols').split(':');
    let network = layers.findIndex((name) => name === 'ip' || name === 'ipv6');
    if (network < 0 || !layers.slice(0, network).every((name) => LINK_LAYERS.has(name))) continue;
    if (layers[network] === 'ip' && field(cells, 'ip.version') !== '4') {
      if (layers[network + 1] !== 'ipv6') continue;
      network++;
    }
    let transport = network + 1;
    if (layers[network] === 'ip') figures.ipv4Packets++;
    else {
      figures.ipv6Packets++;
      while (IPV6_EXTENSIONS.has(layers[transport] ?? '')) transport++;
    }
    const above = layers[transport + 1];
    if (layers[transport] === 'tcp') {
      figures.tcp++;
      const flags = Number.parseInt(field(cells, 'tcp.flags') || 'x', 16);
      if (Number.isNaN(flags)) continue;
      if ((flags & 0x12) === 0x02) figures.syn++;
      if ((flags & 0x12) === 0x12) figures.synAck++;
      if (flags & 0x04) figures.rst++;
      if (
        above === 'tls' &&
        field(cells, 'tls.record.content_type') === '22' &&
        field(cells, 'tls.handshake.type') === '1'
      ) {
        figures.clientHellos++;
        const sni = cells.slice(at['tls.handshake.extensions_server_name']).join('\t');
        if (sni) names.add(sni);
      }
    } else if (layers[transport] === 'udp') {
      figures.udp++;
      const port53 = field(cells, 'udp.srcport') === '53' || field(cells, 'udp.dstport') === '53';
      if (above !== 'dns' || !port53 || !field(cells, 'dns.count.add_rr')) continue;
      if (field(cells, 'dns.flags.response') === '1') figures.dnsResponses++;
      else figures.dnsQueries++;
    }
  }
  const code = await exited;
  if (code !== 0) throw new Error(`tshark exited with ${code}`);
  figures.serverNames = [...names].sort();
  return { ms: performance.now() - started, figures };
}

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
const IPV6_EXTENSIONS = new Set(['ipv6.hopopts', 'ipv6.routing', 'ipv6.fraghdr', 'ipv6.dstopts', 'ah']);

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const speed = (bytes: number, ms: number) => `${Math.round(bytes / (1024 * 1024) / (ms / 1000))} MB/s`;
