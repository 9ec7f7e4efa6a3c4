import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DexClient, type NewCommand } from '../../src/dex/index.js';
import { WarpBundleReader } from '../../src/digest/warp/reader.js';
import { type DexSimulator, type SimDevice, startDexSimulator } from '../../src/simulator/index.js';
import { feed, unzip } from '../digest/zip-entries.js';

/** The analysis route over loopback: the simulator serves detections counted from the very bundle it serves. */

let sim: DexSimulator;
let dex: DexClient;
const debugLines: Record<string, unknown>[] = [];

beforeAll(async () => {
  sim = await startDexSimulator({ fleetSize: 0, seed: 3 });
  dex = new DexClient({
    baseUrl: sim.baseUrl,
    accountId: sim.accountId,
    token: sim.token,
    retry: { maxRetries: 0 },
    logger: { debug: (fields) => debugLines.push(fields) },
  });
});

afterAll(async () => {
  await dex.close();
  await sim.close();
});

async function finished(device: SimDevice, type: 'warp-diag' | 'pcap'): Promise<string> {
  const target = { deviceId: device.deviceId, userEmail: device.personEmail };
  const command: NewCommand =
    type === 'pcap'
      ? { ...target, type, args: { timeLimitMin: 1 } }
      : { ...target, type, args: { testAllRoutes: false } };
  const [created] = await dex.createCommands([command]);
  sim.advance(15 * 60_000);
  expect(sim.commands.find((c) => c.id === created?.id)?.status).toBe('SUCCESS');
  return created?.id ?? '';
}

/** The route's JSON as the simulator sends it, read without the client. */
async function rawDetections(commandId: string) {
  const response = await request(`${sim.baseUrl}/accounts/${sim.accountId}/dex/commands/${commandId}/analysis`, {
    headers: { authorization: `Bearer ${sim.token}` },
  });
  const body = (await response.body.json()) as {
    result: { detections: { name: string; error_code: string; severity: string; occurrences: number }[] };
  };
  return body.result.detections;
}

const RANK: Record<string, number> = { high: 3, medium: 2, low: 1 };

describe('DexClient.commandAnalysis against the simulator', () => {
  it('gives a broken client’s detections, highest severity first, agreeing with the digest of its bundle', async () => {
    for (const platform of ['linux', 'macos', 'windows'] as const) {
      const device = sim.addDevice({ platform, warpClient: 'broken', deviceName: `BROKEN-${platform}` });
      const commandId = await finished(device, 'warp-diag');
      const detections = await dex.commandAnalysis(commandId);
      const raw = await rawDetections(commandId);
      const occurred = raw.filter((d) => d.occurrences > 0);
      expect(occurred.length).toBeGreaterThan(0);
      expect(raw.length).toBeGreaterThan(occurred.length);
      expect(detections?.map((d) => d.name).sort()).toEqual(occurred.map((d) => d.name).sort());
      const ranks = (detections ?? []).map((d) => RANK[d.severity ?? ''] ?? 0);
      expect(ranks).toEqual([...ranks].sort((a, b) => b - a));

      // The bundle itself, downloaded and read by the digest, names the same codes as often.
      const download = await dex.download({ id: commandId, filename: null });
      const chunks: Buffer[] = [];
      for await (const chunk of download.stream) chunks.push(chunk as Buffer);
      const reader = new WarpBundleReader(`${commandId}.zip`);
      feed((name) => reader.entry(name), await unzip(Buffer.concat(chunks)));
      const digest = reader.digest();
      const inLogs = Object.fromEntries(digest.errors.map((e) => [e.code, e.count - (e.inStatus ? 1 : 0)]));
      expect(inLogs).toEqual(Object.fromEntries(occurred.map((d) => [d.error_code, d.occurrences])));
      expect(digest.status).not.toBe('Connected');
    }
  });

  it('gives a healthy client at most the odd CF_NO_NETWORK', async () => {
    const device = sim.addDevice({ platform: 'macos', warpClient: 'healthy', deviceName: 'HEALTHY-MAC' });
    const detections = await dex.commandAnalysis(await finished(device, 'warp-diag'));
    expect(detections).not.toBeNull();
    for (const detection of detections ?? []) expect(detection.name).toBe('No network');
  });

  it('answers null, noted at debug, when the route says 404: the knob, a pcap, an unknown or unfinished command', async () => {
    const device = sim.addDevice({ platform: 'linux', warpClient: 'broken', deviceName: 'NOT-FOUND' });
    const warpDiag = await finished(device, 'warp-diag');
    const pcap = await finished(device, 'pcap');
    debugLines.length = 0;
    sim.setWarpDiagAnalysis('not-found');
    expect(await dex.commandAnalysis(warpDiag)).toBeNull();
    sim.setWarpDiagAnalysis('detections');
    expect(await dex.commandAnalysis(warpDiag)).not.toBeNull();
    expect(await dex.commandAnalysis(pcap)).toBeNull();
    expect(await dex.commandAnalysis('00000000-0000-4000-8000-000000000000')).toBeNull();
    const [running] = await dex.createCommands([
      { deviceId: device.deviceId, userEmail: device.personEmail, type: 'warp-diag' },
    ]);
    expect(await dex.commandAnalysis(running?.id ?? '')).toBeNull();
    expect(debugLines.map((line) => [line.status, line.problem])).toEqual([
      [404, 'no analysis'],
      [404, 'no analysis'],
      [404, 'no analysis'],
      [404, 'no analysis'],
    ]);
  });

  it('answers null for a gateway’s HTML page, cut-off JSON or a dropped connection, and never throws', async () => {
    const device = sim.addDevice({ platform: 'windows', warpClient: 'broken', deviceName: 'GARBLED' });
    const commandId = await finished(device, 'warp-diag');
    sim.faults.garbledResponse({ endpoint: 'analysis', body: 'html', when: 'after-processing', status: 502 });
    expect(await dex.commandAnalysis(commandId)).toBeNull();
    sim.faults.garbledResponse({ endpoint: 'analysis', body: 'truncated-json', when: 'after-processing' });
    expect(await dex.commandAnalysis(commandId)).toBeNull();
    sim.faults.garbledResponse({ endpoint: 'analysis', body: 'cut-off', when: 'after-processing' });
    expect(await dex.commandAnalysis(commandId)).toBeNull();
    sim.faults.dropConnection({ endpoint: 'analysis', when: 'before-processing' });
    expect(await dex.commandAnalysis(commandId)).toBeNull();
    expect((await dex.commandAnalysis(commandId))?.length).toBeGreaterThan(0);
  });

  it('lets the caller’s abort through', async () => {
    const device = sim.addDevice({ platform: 'linux', deviceName: 'ABORTED' });
    const commandId = await finished(device, 'warp-diag');
    sim.faults.slow({ endpoint: 'analysis', delayMs: 2_000 });
    const controller = new AbortController();
    const pending = dex.commandAnalysis(commandId, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toThrow();
  });
});
