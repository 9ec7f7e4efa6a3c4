import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/digest.js';
import { type ArtifactSpec, createArtifact } from '../../src/simulator/artifacts.js';
import { whenTestFinishes } from '../cleanup.js';

const CORPUS = path.join(import.meta.dirname, '..', 'fixtures', 'corpus', 'pcap');

function temporaryDirectory(): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'dex-capture-bot-digest-cli-'));
  whenTestFinishes(() => fs.rmSync(directory, { recursive: true, force: true }));
  return directory;
}

async function run(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    (line) => out.push(line),
    (line) => err.push(line),
  );
  return { code, out: out.join('\n'), err: err.join('\n') };
}

async function simulatedZip(directory: string, spec: Partial<ArtifactSpec> & Pick<ArtifactSpec, 'kind'>) {
  const file = path.join(directory, `${spec.kind}.zip`);
  const parts: Buffer[] = [];
  const artifact = createArtifact({
    commandId: `cli-${spec.kind}`,
    deviceName: 'LAPTOP-42',
    platform: 'windows',
    userEmail: 'alice@example.com',
    createdAt: new Date('2026-11-25T14:00:00Z'),
    sizeBytes: 400_000,
    ...spec,
  });
  for await (const part of artifact.open()) parts.push(part as Buffer);
  fs.writeFileSync(file, Buffer.concat(parts));
  return file;
}

/** The fields `--json` promises, named exactly so (issue 12). */
const PACKET_FIELDS = [
  'file',
  'format',
  'linkTypes',
  'packets',
  'capturedBytes',
  'originalBytes',
  'truncatedPackets',
  'firstPacketAt',
  'lastPacketAt',
  'ipv4Packets',
  'ipv6Packets',
  'tcp',
  'udp',
  'icmp',
  'dns',
  'tls',
  'topPeers',
  'problems',
];

describe('npm run digest', () => {
  it('--json: one object per capture file with the promised fields, agreeing with Wireshark', async () => {
    const file = path.join(CORPUS, 'dns_udp.pcap');
    const { code, out } = await run('--json', file);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines).toHaveLength(1);
    const digest = JSON.parse(lines[0] as string);
    for (const field of PACKET_FIELDS) expect(digest).toHaveProperty(field);
    expect(Object.keys(digest.tcp)).toEqual(expect.arrayContaining(['packets', 'syn', 'synAck', 'rst']));
    expect(Object.keys(digest.dns)).toEqual(expect.arrayContaining(['queries', 'responses', 'rcodes', 'unanswered']));
    expect(Object.keys(digest.tls)).toEqual(expect.arrayContaining(['clientHellos', 'serverNames']));
    // What tshark -r dns_udp.pcap says (test/fixtures/corpus/capinfos.json and tshark.json hold the same).
    expect(digest).toMatchObject({
      file: 'dns_udp.pcap',
      format: 'pcap',
      linkTypes: [1],
      packets: 2,
      firstPacketAt: '2020-06-10T09:19:54.740079Z',
      lastPacketAt: '2020-06-10T09:19:54.870361Z',
      ipv4Packets: 2,
      udp: { packets: 2 },
      dns: { queries: 1, responses: 1, rcodes: { NOERROR: 1 }, unanswered: 0 },
    });
  });

  it('reads a PCAP zip (one line per capture) and a WARP diagnostics zip, told apart by what is inside', async () => {
    const directory = temporaryDirectory();
    const pcap = await simulatedZip(directory, { kind: 'pcap' });
    const warp = await simulatedZip(directory, { kind: 'warp-diag', warpClient: 'broken' });
    const { code, out } = await run('--json', pcap, warp);
    expect(code).toBe(0);
    const [first, second, third] = out.split('\n').map((line) => JSON.parse(line));
    expect(first.file).toMatch(/pcap\.zip\/capture-default\.pcap$/);
    expect(second.file).toMatch(/pcap\.zip\/capture-tunnel\.pcap$/);
    expect(first.packets).toBeGreaterThan(0);
    expect(third).toMatchObject({ kind: 'warp-diag', file: 'warp-diag.zip' });
    for (const field of ['clientVersion', 'platform', 'status', 'mode', 'errors', 'checksFailed', 'problems']) {
      expect(third).toHaveProperty(field);
    }
    expect(third.errors.length).toBeGreaterThan(0);
  });

  it('prints the verdict first, then the figures, for a person', async () => {
    const directory = temporaryDirectory();
    const warp = await simulatedZip(directory, { kind: 'warp-diag' });
    const { code, out } = await run(warp);
    expect(code).toBe(0);
    const lines = out.split('\n');
    expect(lines[0]).toBe(`== ${warp}`);
    expect(lines[1]).toMatch(/^WARP is /);
    expect(out).toMatch(/\nClient:\n {2}Client \d/);
  });

  it('says what it could not read, goes on with the rest and exits 1; never a stack trace', async () => {
    const directory = temporaryDirectory();
    const text = path.join(directory, 'notes.txt');
    fs.writeFileSync(text, 'not a capture');
    const cut = path.join(directory, 'cut.pcap');
    fs.writeFileSync(cut, fs.readFileSync(path.join(CORPUS, 'dns_udp.pcap')).subarray(0, 24 + 16 + 182 + 20));
    const { code, out, err } = await run('--json', text, path.join(directory, 'missing.pcap'), cut);
    expect(code).toBe(1);
    expect(err).toContain(`${text}: not a zip, a .pcap or a .pcapng`);
    expect(err).toContain('missing.pcap: no such file; skipped.');
    expect(err).not.toMatch(/\bat .*\.(js|ts):\d+/);
    const digest = JSON.parse(out);
    expect(digest.packets).toBe(1);
    expect(digest.problems.join(' ')).toMatch(/ends inside packet 2/);
  });

  it('reads a folder as the files in it, in name order, and says which of them are not captures', async () => {
    const directory = temporaryDirectory();
    fs.copyFileSync(path.join(CORPUS, 'dns_udp.pcap'), path.join(directory, 'b-dns.pcap'));
    fs.copyFileSync(path.join(CORPUS, 'dns_udp.pcap'), path.join(directory, 'a-dns.pcap'));
    fs.writeFileSync(path.join(directory, 'README.md'), 'notes');
    fs.mkdirSync(path.join(directory, 'nested'));
    const { code, out, err } = await run('--json', directory);
    expect(out.split('\n').map((line) => JSON.parse(line).file)).toEqual(['a-dns.pcap', 'b-dns.pcap']);
    expect(err).toBe(
      `${path.join(directory, 'README.md')}: not a zip, a .pcap or a .pcapng (its first bytes are none of theirs); skipped.`,
    );
    expect(code).toBe(1);
  });

  it('a PCAP zip cut short: the packets before the cut count, and the digest says what it could not read', async () => {
    const directory = temporaryDirectory();
    const whole = await simulatedZip(directory, { kind: 'pcap' });
    const cut = path.join(directory, 'cut.zip');
    fs.writeFileSync(cut, fs.readFileSync(whole).subarray(0, 150_000));
    const json = await run('--json', cut);
    expect(json.code).toBe(0);
    const [first] = json.out.split('\n').map((line) => JSON.parse(line));
    expect(first.packets).toBeGreaterThan(0);
    expect(first.problems.join(' ')).toMatch(/the zip ended or broke inside this capture/);
    const text = await run(cut);
    expect(text.out).toMatch(/\nCould not read:\n/);
  });

  it('runs as the README says: npm run digest -- FILE', () => {
    const out = execFileSync('npm', ['run', '--silent', 'digest', '--', path.join(CORPUS, 'dns_udp.pcap')], {
      cwd: path.join(import.meta.dirname, '..', '..'),
      encoding: 'utf8',
    });
    expect(out).toMatch(/Nothing stands out in 2 packets/);
  });
});
