import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureFileReader } from '../../src/digest/capture-file.js';
import type { PacketDigest } from '../../src/digest/model.js';
import { PacketTally } from '../../src/digest/packets/index.js';

/*
 * The packet digest of every capture in test/fixtures/corpus/pcap (tcpdump's test captures: many link types, many
 * malformed on purpose), read through the capture file reader, against what Wireshark's tshark counts in them by
 * the same rules (test/fixtures/corpus/tshark.json, written by scripts/tshark-fixtures.mjs). Where we differ from
 * tshark on purpose the fixture says which figures and why; those figures must still differ (or the entry is stale).
 */

const CORPUS = 'test/fixtures/corpus/pcap';
/** Odd-sized chunks, so records and blocks straddle them as they do when a zip streams. */
const CHUNK = 4093;

interface Disagreement {
  file: string;
  fields: string[];
  reason: string;
}

interface Fixture {
  disagreements: Disagreement[];
  files: Record<string, Record<string, unknown> & { tsharkError: string | null }>;
}

const fixture = JSON.parse(readFileSync('test/fixtures/corpus/tshark.json', 'utf8')) as Fixture;
const files = readdirSync(CORPUS)
  .filter((name) => /\.(pcap|pcapng)$/.test(name))
  .sort();

/** Every figure tshark can give, by path into the digest. */
const FIELDS = [
  'packets',
  'capturedBytes',
  'originalBytes',
  'truncatedPackets',
  'firstPacketAt',
  'lastPacketAt',
  'ipv4Packets',
  'ipv6Packets',
  'tcp.packets',
  'tcp.syn',
  'tcp.synAck',
  'tcp.rst',
  'udp.packets',
  'icmp.packets',
  'icmpv6.packets',
  'dns.queries',
  'dns.responses',
  'dns.rcodes',
  'tls.clientHellos',
  'tls.serverNames',
];

function figure(source: unknown, path: string): unknown {
  const value = path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], source);
  return Array.isArray(value) ? [...value].sort() : value;
}

function digestOf(file: string): { digest: PacketDigest; tally: PacketTally } {
  const tally = new PacketTally(file);
  const reader = new CaptureFileReader(tally);
  const bytes = readFileSync(join(CORPUS, file));
  for (let at = 0; at < bytes.length; at += CHUNK) reader.write(bytes.subarray(at, at + CHUNK));
  reader.end();
  return { digest: tally.digest(reader.format), tally };
}

describe('the packet digest of tcpdump’s test captures agrees with tshark', () => {
  it('has tshark’s figures for every corpus file, and disagreements only for files in it', () => {
    expect(Object.keys(fixture.files).sort()).toEqual(files);
    expect(files.length).toBeGreaterThan(400);
    for (const disagreement of fixture.disagreements) {
      expect(files).toContain(disagreement.file);
      expect(disagreement.reason.length).toBeGreaterThan(20);
      for (const field of disagreement.fields) expect(FIELDS).toContain(field);
    }
  });

  it.each(files)('%s', (file) => {
    const { digest, tally } = digestOf(file);
    const expected = fixture.files[file];
    if (!expected) throw new Error(`${file} is not in tshark.json: run scripts/tshark-fixtures.mjs`);
    // Our analysis never fails on a packet, whatever the file holds.
    expect(digest.problems.filter((problem) => problem.includes('could not be analysed'))).toEqual([]);
    const findings = tally.findings();

    if (expected.tsharkError !== null) {
      // tshark cannot read it (a link type it does not support): the digest counts the packets and names the type.
      const unsupported = /network type (\d+)/.exec(expected.tsharkError);
      expect(unsupported, expected.tsharkError).not.toBeNull();
      expect(digest.linkTypes).toContain(Number(unsupported?.[1]) & 0xffff);
      expect(digest.packets).toBeGreaterThan(0);
      expect(findings.map((finding) => finding.kind)).toContain('nothing-decoded');
      return;
    }
    const disagreed = new Set(fixture.disagreements.filter((d) => d.file === file).flatMap((d) => d.fields));
    for (const field of FIELDS) {
      if (disagreed.has(field)) {
        expect(figure(digest, field), `${field} differs from tshark on purpose (see the fixture)`).not.toEqual(
          figure(expected, field),
        );
      } else expect(figure(digest, field), field).toEqual(figure(expected, field));
    }
  });
});
