import { describe, expect, it } from 'vitest';
import type { PcapZipDigest } from '../../../src/digest/artifact-digest.js';
import type { PacketDigest } from '../../../src/digest/model.js';
import type { WarpDigest } from '../../../src/digest/warp/model.js';
import { digestHeadline, digestMessage, digestView } from '../../../src/slack/ui/digest.js';
import { SECTION_TEXT_MAX } from '../../../src/slack/ui/format.js';

function packets(overrides: Partial<PacketDigest> = {}): PacketDigest {
  return {
    file: 'pcap.zip/capture-default.pcap',
    format: 'pcap',
    linkTypes: [1],
    packets: 1200,
    capturedBytes: 150_000,
    originalBytes: 900_000,
    truncatedPackets: 600,
    firstPacketAt: '2026-12-03T06:00:00.000000Z',
    lastPacketAt: '2026-12-03T06:04:05.000000Z',
    ipv4Packets: 1200,
    ipv6Packets: 0,
    tcp: { packets: 800, syn: 20, synAck: 17, rst: 3 },
    udp: { packets: 400 },
    icmp: { packets: 0 },
    dns: { queries: 212, responses: 212, rcodes: { NOERROR: 198, NXDOMAIN: 14 }, unanswered: 0 },
    tls: { clientHellos: 17, serverNames: ['intranet.example.com'] },
    topPeers: [{ address: '10.0.4.20', name: 'intranet.example.com', packets: 400, bytes: 300_000 }],
    problems: [],
    ...overrides,
  };
}

const BROKEN: PcapZipDigest = {
  kind: 'pcap',
  file: 'pcap.zip',
  captures: [
    {
      capture: 'default',
      fileBytes: 150_000,
      digest: packets(),
      findings: [
        {
          kind: 'dns-failures',
          failed: 14,
          total: 212,
          byRcode: { NXDOMAIN: 14 },
          names: [{ name: 'intranet.example.com', rcode: 'NXDOMAIN', count: 14 }],
        },
        { kind: 'tcp-resets', peer: '10.0.4.20', port: 443, count: 3, packets: 3, refused: 0 },
      ],
    },
  ],
  findings: [{ kind: 'tunnel-idle', tunnelPackets: 0, defaultPackets: 1200 }],
  problems: [],
};

describe('the digest in words', () => {
  it('leads with a verdict a helpdesk agent understands', () => {
    expect(digestView(BROKEN).verdict).toEqual([
      'Nothing went through WARP: the tunnel capture has 0 packets while the default interface has 1,200.',
      'DNS: 14 of 212 lookups failed (14 NXDOMAIN; NXDOMAIN for intranet.example.com).',
      '3 connections to 10.0.4.20:443 reset.',
    ]);
    expect(digestHeadline(BROKEN)).toMatch(/^Nothing went through WARP/);
  });

  it('says so when nothing stands out, and gives the figures', () => {
    const quiet: PcapZipDigest = {
      ...BROKEN,
      findings: [],
      captures: [{ ...BROKEN.captures[0], findings: [] }],
    } as PcapZipDigest;
    const view = digestView(quiet);
    expect(view.verdict).toEqual([
      'Nothing stands out in 1,200 packets: no failed or unanswered DNS, no resets, no connection left unanswered.',
    ]);
    expect(view.sections[0]?.lines).toContain(
      'DNS: 212 queries, 212 responses (NOERROR 198, NXDOMAIN 14), 0 unanswered',
    );
    expect(view.sections[0]?.lines[0]).toBe(
      '1,200 packets, 900,000 bytes on the wire over 4 min 05 s; 600 cut to the packet size',
    );
  });

  it('keeps what came from the device as data, never markup, within Slack limits', () => {
    const hostile = packets({
      tls: {
        clientHellos: 1,
        serverNames: ['<!channel>*bold*', ...Array.from({ length: 500 }, (_, i) => `x${i}.example.com`)],
      },
      problems: Array.from({ length: 500 }, (_, i) => `problem <@U${i}> ${'z'.repeat(400)}`),
    });
    const digest: PcapZipDigest = {
      ...BROKEN,
      captures: [{ ...BROKEN.captures[0], digest: hostile }],
    } as PcapZipDigest;
    const message = digestMessage(digest, { device: { name: '<!here> LAPTOP' }, type: 'pcap' });
    const texts = JSON.stringify(message);
    expect(texts).not.toMatch(/<!channel>|<!here>|<@U\d/);
    expect(message.blocks.length).toBeLessThanOrEqual(50);
    for (const block of message.blocks) {
      if (block.type === 'section') expect(block.text?.text.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    }
  });

  it('words a WARP bundle: its state, then the latest client error with what it means', () => {
    const warp: WarpDigest = {
      kind: 'warp-diag',
      file: 'warp.zip',
      clientVersion: '2025.6.1335.0',
      platform: 'windows',
      osVersion: null,
      status: 'Disconnected',
      statusReason: 'CF_DNS_PROXY_FAILURE',
      network: null,
      mode: 'WarpWithDnsOverHttps',
      profileId: null,
      organization: null,
      tunnelProtocol: 'MASQUE',
      alwaysOn: true,
      switchLocked: false,
      splitTunnel: { mode: 'exclude', entries: 18 },
      fallbackDomains: { count: 15, domains: [] },
      errors: [{ code: 'CF_DNS_PROXY_FAILURE', count: 12, lastAt: '2026-12-03T05:59:10.000Z', inStatus: true }],
      checksFailed: [],
      dnsServers: [],
      dnsProxyInUse: null,
      logs: [],
      problems: [],
    };
    const view = digestView(warp);
    expect(view.sections[0]?.lines[0]).toBe('Client 2025.6.1335.0 on windows');
    expect(digestView({ ...warp, platform: 'macOS', osVersion: 'macOS 14.5 (23F79)' }).sections[0]?.lines[0]).toBe(
      'Client 2025.6.1335.0 on macOS 14.5 (23F79)',
    );
    const [state, error] = view.verdict;
    expect(state).toBe('WARP is disconnected: CF_DNS_PROXY_FAILURE.');
    expect(error).toMatch(/^CF_DNS_PROXY_FAILURE 12 times, last at 2026-12-03 05:59 UTC: /);
  });
});
