import type { KnownBlock } from '@slack/types';
import type { TargetDevice } from '../../captures/model.js';
import type { ArtifactDigest, PcapZipDigest } from '../../digest/artifact-digest.js';
import type { PacketDigest } from '../../digest/model.js';
import type { PacketFinding, PcapZipFinding } from '../../digest/packets/findings.js';
import type { WarpDigest } from '../../digest/warp/model.js';
import {
  inert,
  MESSAGE_BLOCKS_MAX,
  MESSAGE_TEXT_BUDGET,
  SECTION_TEXT_MAX,
  truncateMrkdwn,
  typeShort,
} from './format.js';
import { warpErrorWording } from './warp-error-codes.js';

/**
 * The digest of an artifact in words: a verdict of two or three lines a helpdesk agent understands, then the
 * figures, grouped. Plain text only, no markup: everything in it may come from a person's machine, and each surface
 * (the Slack thread, the status line, the command line) renders it its own way, the Slack ones through `inert`.
 */
export interface DigestView {
  /** Most important first; the first line is the status line's one-line verdict. */
  verdict: string[];
  /** The one line for the status card when something deserves a look (a finding, an error); null when all is well. */
  headline: string | null;
  sections: { title: string; lines: string[] }[];
}

/** Lines per section, so a digest fits one Slack message (50 blocks, 3000 characters a section). */
const MAX_SECTION_LINES = 12;

export function digestView(digest: ArtifactDigest): DigestView {
  switch (digest.kind) {
    case 'warp-diag':
      return warpView(digest);
    case 'pcap':
      return pcapView(digest);
  }
}

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** `2026-12-03T06:04:44.123Z` → `2026-12-03 06:04 UTC` (log times are UTC). */
function utcMinute(iso: string | undefined | null): string | null {
  if (!iso) return null;
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : null;
}

function bounded(lines: string[]): string[] {
  if (lines.length <= MAX_SECTION_LINES) return lines;
  return [...lines.slice(0, MAX_SECTION_LINES - 1), `… and ${lines.length - (MAX_SECTION_LINES - 1)} more`];
}

function warpView(digest: WarpDigest): DigestView {
  const verdict: string[] = [];
  const connected = digest.status !== null && /^connected$/i.test(digest.status);
  if (digest.status === null) verdict.push('WARP status: not in the bundle (warp-status.txt missing or unreadable).');
  else if (connected) {
    verdict.push(
      digest.network && !/^healthy$/i.test(digest.network)
        ? `WARP is connected, but the network is ${digest.network}.`
        : 'WARP is connected.',
    );
  } else {
    verdict.push(`WARP is ${digest.status.toLowerCase()}${digest.statusReason ? `: ${digest.statusReason}` : ''}.`);
  }

  const [latest] = digest.errors;
  if (latest) {
    const when = utcMinute(latest.lastAt);
    verdict.push(
      `${latest.code} ${plural(latest.count, 'time')}${when ? `, last at ${when}` : ''}: ` +
        warpErrorWording(latest.code).meaning,
    );
  }
  if (digest.checksFailed.length > 0) {
    verdict.push(`${plural(digest.checksFailed.length, 'check')} failed: ${digest.checksFailed[0]}`);
  } else if (digest.analysis?.[0]) {
    verdict.push(`Cloudflare's analyzer found: ${detectionLine(digest.analysis[0])}`);
  }
  // Connected with nothing else to say is all well; connected with an error, the error is the news.
  const headline = !connected || verdict[0] !== 'WARP is connected.' ? (verdict[0] ?? null) : (verdict[1] ?? null);
  if (verdict.length === 1 && connected) verdict.push('No WARP client errors in the logs.');

  const client = [
    digest.clientVersion && `Client ${digest.clientVersion}`,
    (digest.platform || digest.osVersion) && `on ${osOf(digest.platform, digest.osVersion)}`,
  ].filter(Boolean);
  const settings = [
    client.length > 0 ? client.join(' ') : null,
    digest.mode && `Mode ${digest.mode}${digest.tunnelProtocol ? ` over ${digest.tunnelProtocol}` : ''}`,
    digest.profileId && `Profile ${digest.profileId}`,
    digest.organization && `Organization ${digest.organization}`,
    digest.splitTunnel.mode &&
      `Split tunnel: ${digest.splitTunnel.mode} mode, ${plural(digest.splitTunnel.entries, 'entry', 'entries')}`,
    digest.fallbackDomains.count > 0 && `Local domain fallback: ${plural(digest.fallbackDomains.count, 'domain')}`,
    digest.dnsProxyInUse !== null &&
      (digest.dnsProxyInUse ? "DNS goes through WARP's local proxy" : "DNS does not go through WARP's local proxy"),
    digest.alwaysOn !== null && `Always on: ${digest.alwaysOn ? 'yes' : 'no'}`,
  ].filter((line): line is string => typeof line === 'string' && line.length > 0);

  const sections: DigestView['sections'] = [];
  if (settings.length > 0) sections.push({ title: 'Client', lines: settings });
  if (digest.errors.length > 0) {
    sections.push({
      title: 'Client errors in the logs',
      lines: bounded(
        digest.errors.map((error) => {
          const wording = warpErrorWording(error.code);
          const when = utcMinute(error.lastAt);
          const now = error.inStatus ? ' (its state now)' : '';
          return `${error.code}: ${plural(error.count, 'time')}${when ? `, last ${when}` : ''}${now}. ${wording.meaning} ${wording.nextStep}`;
        }),
      ),
    });
  }
  if (digest.checksFailed.length > 0) sections.push({ title: 'Failed checks', lines: bounded(digest.checksFailed) });
  if (digest.analysis && digest.analysis.length > 0) {
    sections.push({ title: "Cloudflare's analyzer", lines: bounded(digest.analysis.map(detectionLine)) });
  }
  const logs = digest.logs.filter((log) => log.lines > 0);
  if (logs.length > 0) {
    const first = utcMinute(logs[logs.length - 1]?.firstAt);
    const last = utcMinute(logs[0]?.lastAt);
    const lines = logs.reduce((sum, log) => sum + log.lines, 0);
    sections.push({
      title: 'Logs read',
      lines: [
        `${logs.map((log) => log.name).join(', ')}: ${plural(lines, 'line')}${first && last ? `, ${first} to ${last}` : ''}`,
      ],
    });
  }
  if (digest.problems.length > 0) sections.push({ title: 'Could not read', lines: bounded(digest.problems) });
  return { verdict, headline, sections };
}

/** "macOS 14.5 (23F79)" rather than "macOS, macOS 14.5 (23F79)": the version usually names the platform already. */
function osOf(platform: string | null, osVersion: string | null): string {
  if (!osVersion) return platform ?? '';
  if (!platform || osVersion.toLowerCase().startsWith(platform.toLowerCase())) return osVersion;
  return `${platform}, ${osVersion}`;
}

function detectionLine(detection: NonNullable<WarpDigest['analysis']>[number]): string {
  const severity = detection.severity ? ` (${detection.severity})` : '';
  const count = detection.occurrences > 1 ? `, ${detection.occurrences} times` : '';
  return `${detection.name}${severity}${count}${detection.description ? `: ${detection.description}` : ''}`;
}

const count = (n: number) => n.toLocaleString('en-US');
const peer = (address: string, port: number, name?: string) =>
  `${name ? `${name} (${address})` : address}${address.includes(':') ? ` port ${port}` : `:${port}`}`;

/** A finding of one capture, as one line; `where` says which capture when there are two. */
function packetFindingLine(finding: PacketFinding, where: string): string | null {
  switch (finding.kind) {
    case 'no-packets':
      return `${where}: no packets at all.`;
    case 'nothing-decoded':
      return `${where}: ${count(finding.packets)} packets, none of them IP the digest could read (link type ${finding.linkTypes.map((l) => l.name ?? l.linkType).join(', ')}).`;
    case 'file-problems':
      return `${where}: ${plural(finding.count, 'part')} of the file could not be read (see "Could not read").`;
    case 'packets-dropped':
      return `${where}: the capturing system dropped ${count(finding.dropped)} packets${finding.received !== null ? ` of ${count(finding.received)}` : ''}; the capture is incomplete.`;
    case 'dns-failures': {
      const [top] = finding.names;
      const rcodes = Object.entries(finding.byRcode)
        .sort((a, b) => b[1] - a[1])
        .map(([rcode, n]) => `${n} ${rcode}`)
        .join(', ');
      return `DNS: ${count(finding.failed)} of ${count(finding.total)} lookups failed (${rcodes}${top ? `; ${top.rcode} for ${top.name}${finding.names.length > 1 ? ` and ${plural(finding.names.length - 1, 'other name')}` : ''}` : ''}).`;
    }
    case 'dns-unanswered': {
      const server = finding.servers[0];
      const late = finding.nearEnd > 0 ? ` (${finding.nearEnd} sent in the capture's last second)` : '';
      return `DNS: ${count(finding.count)} of ${count(finding.queries)} queries got no answer${server ? `, most to ${server.address}` : ''}${late}${finding.names[0] ? `, e.g. ${finding.names[0]}` : ''}.`;
    }
    case 'tcp-unanswered':
      return `${plural(finding.connections, 'connection')} to ${peer(finding.peer, finding.port, finding.name)} never answered (${plural(finding.attempts, 'SYN')} sent).`;
    case 'tcp-resets':
      return `${plural(finding.count, 'connection')} to ${peer(finding.peer, finding.port, finding.name)} reset${finding.refused > 0 ? ` (${finding.refused} refused outright)` : ''}.`;
    case 'dns-slow': {
      const slowest = finding.slowest[0];
      return `DNS: ${plural(finding.count, 'answer')} of ${count(finding.responses)} took over ${finding.thresholdMs / 1000} s${slowest ? ` (slowest ${(slowest.ms / 1000).toFixed(1)} s${slowest.name ? ` for ${slowest.name}` : ''})` : ''}.`;
    }
    case 'link-type-not-decoded':
      return `${where}: ${count(finding.packets)} packets on link type ${finding.name ?? finding.linkType}, counted but not decoded.`;
  }
}

function zipFindingLine(finding: PcapZipFinding): string {
  switch (finding.kind) {
    case 'capture-failed':
      return `The ${finding.interface} capture failed on the device${finding.error ? `: ${finding.error}` : ''}.`;
    case 'capture-missing':
      return `The zip has no ${finding.capture} capture.`;
    case 'tunnel-idle':
      return `Nothing went through WARP: the tunnel capture has ${plural(finding.tunnelPackets, 'packet')} while the default interface has ${count(finding.defaultPackets)}.`;
    case 'size-limit-reached':
      return `The ${finding.capture} capture stopped at the ${finding.maxFileSizeMb} MB size limit, not at the end of its time: raise the limit to see more.`;
  }
}

/** `0.123456` s, `12.3` s, `4 min 05 s` */
function span(digest: PacketDigest): string | null {
  if (!digest.firstPacketAt || !digest.lastPacketAt) return null;
  const seconds = (Date.parse(digest.lastPacketAt) - Date.parse(digest.firstPacketAt)) / 1000;
  if (!Number.isFinite(seconds) || seconds < 0) return null;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  return `${Math.floor(seconds / 60)} min ${String(Math.round(seconds % 60)).padStart(2, '0')} s`;
}

function captureFigures(digest: PacketDigest): string[] {
  const lines: string[] = [];
  const when = span(digest);
  lines.push(
    `${count(digest.packets)} packets, ${count(digest.originalBytes)} bytes on the wire${when ? ` over ${when}` : ''}` +
      (digest.truncatedPackets > 0 ? `; ${count(digest.truncatedPackets)} cut to the packet size` : ''),
  );
  lines.push(
    `IPv4 ${count(digest.ipv4Packets)} · IPv6 ${count(digest.ipv6Packets)} · TCP ${count(digest.tcp.packets)} · UDP ${count(digest.udp.packets)} · ICMP ${count(digest.icmp.packets)}`,
  );
  if (digest.tcp.syn > 0 || digest.tcp.rst > 0) {
    lines.push(
      `TCP: ${plural(digest.tcp.syn, 'connection attempt')}, ${count(digest.tcp.synAck)} accepted, ${plural(digest.tcp.rst, 'reset')}`,
    );
  }
  if (digest.dns.queries > 0 || digest.dns.responses > 0) {
    const rcodes = Object.entries(digest.dns.rcodes)
      .sort((a, b) => b[1] - a[1])
      .map(([rcode, n]) => `${rcode} ${n}`)
      .join(', ');
    lines.push(
      `DNS: ${plural(digest.dns.queries, 'query', 'queries')}, ${plural(digest.dns.responses, 'response')}${rcodes ? ` (${rcodes})` : ''}, ${count(digest.dns.unanswered)} unanswered`,
    );
  }
  if (digest.tls.clientHellos > 0) {
    const names = digest.tls.serverNames.slice(0, 8).join(', ');
    const more = digest.tls.serverNames.length > 8 ? ` and ${digest.tls.serverNames.length - 8} more` : '';
    lines.push(`TLS: ${plural(digest.tls.clientHellos, 'ClientHello')}${names ? ` to ${names}${more}` : ''}`);
  }
  const peers = digest.topPeers
    .slice(0, 5)
    .map((p) => `${p.name ? `${p.name} (${p.address})` : p.address} ${count(p.bytes)} B`);
  if (peers.length > 0) lines.push(`Top peers: ${peers.join(', ')}`);
  return lines;
}

function pcapView(zip: PcapZipDigest): DigestView {
  const two = zip.captures.length > 1;
  const where = (capture: string) =>
    two || capture === 'default' || capture === 'tunnel' ? `${capture} capture` : 'The capture';
  const findings = [
    ...zip.findings.map(zipFindingLine),
    ...zip.captures.flatMap((c) => c.findings.flatMap((f) => packetFindingLine(f, where(c.capture)) ?? [])),
  ];
  const verdict = findings.slice(0, 3);
  const notable = findings.length > 0 || zip.captures.length === 0;
  if (verdict.length === 0) {
    const total = zip.captures.reduce((sum, c) => sum + c.digest.packets, 0);
    verdict.push(
      zip.captures.length === 0
        ? 'No capture file in the zip.'
        : `Nothing stands out in ${plural(total, 'packet')}: no failed or unanswered DNS, no resets, no connection left unanswered.`,
    );
  }
  const sections: DigestView['sections'] = zip.captures.map((c) => ({
    title: two || c.capture === 'default' || c.capture === 'tunnel' ? `The ${c.capture} capture` : 'The capture',
    lines: captureFigures(c.digest),
  }));
  if (findings.length > verdict.length)
    sections.push({ title: 'Also found', lines: bounded(findings.slice(verdict.length)) });
  const problems = [
    ...(zip.problems ?? []),
    ...zip.captures.flatMap((c) => c.digest.problems.map((p) => (two ? `${c.capture}: ${p}` : p))),
  ];
  if (problems.length > 0) sections.push({ title: 'Could not read', lines: bounded(problems) });
  return { verdict, headline: notable ? (verdict[0] ?? null) : null, sections };
}

/** The digest for a terminal: the verdict, then each section, indented. */
export function digestText(view: DigestView): string {
  const out = [...view.verdict];
  for (const section of view.sections) out.push('', `${section.title}:`, ...section.lines.map((line) => `  ${line}`));
  return out.join('\n');
}

/** The status line's one-line verdict, safe for mrkdwn: only when something deserves a look ("done" says the rest). */
export function digestHeadline(digest: ArtifactDigest): string | null {
  const view = digestView(digest);
  return view.headline ? inert(view.headline, 150) : null;
}

/** The file's comment leads with this: the verdict, one line each, safe for mrkdwn. */
export function digestVerdictMrkdwn(digest: ArtifactDigest): string {
  return digestView(digest)
    .verdict.map((line) => inert(line, 400))
    .join('\n');
}

/**
 * The thread reply after a file: its figures, one section per group, within Slack's limits (3000 characters a
 * section, 50 blocks and about 12,000 characters a message). The verdict is in the file's own comment above it.
 */
export function digestMessage(
  digest: ArtifactDigest,
  about: { device: Pick<TargetDevice, 'name'>; type: string },
): { text: string; blocks: KnownBlock[] } {
  const view = digestView(digest);
  const name = inert(about.device.name, 150) || 'Unnamed device';
  const heading = `What is inside the ${typeShort(about.type)} file from ${name}`;
  const blocks: KnownBlock[] = [{ type: 'context', elements: [{ type: 'mrkdwn', text: heading }] }];
  let budget = MESSAGE_TEXT_BUDGET - heading.length;
  for (const section of view.sections) {
    if (blocks.length >= MESSAGE_BLOCKS_MAX || budget <= 0) break;
    const text = truncateMrkdwn(
      [`*${section.title}*`, ...section.lines.map((line) => `• ${inert(line, 600)}`)].join('\n'),
      Math.min(SECTION_TEXT_MAX, budget),
    );
    budget -= text.length;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  return {
    text: `${inert(view.verdict[0], 300)} (${typeShort(about.type)}, ${inert(about.device.name, 150)})`,
    blocks,
  };
}
