import { readFileSync, writeFileSync } from 'node:fs';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request } from 'undici';
import { DexClient } from '../../src/dex/index.js';
import { startFakeSlack } from '../../src/fake-slack/index.js';
import { createArtifact } from '../../src/simulator/artifacts.js';
import { startDexSimulator } from '../../src/simulator/index.js';
import { readJob, report } from './job.js';

/*
 * One large transfer through one of the test servers, in a process of its own, as the unit tests once checked it:
 * the server and the side reading or writing the bytes in the same process. Reports the bytes moved and the peak
 * resident memory during the transfer (Linux VmHWM, reset just before it) over the RSS at that moment.
 */
type Task =
  | { task: 'artifact'; kind: 'pcap' | 'warp-diag'; bytes: number }
  | { task: 'simulator-download'; bytes: number }
  | { task: 'dex-client-download'; bytes: number }
  | { task: 'fake-slack-upload'; bytes: number };

const job = readJob<Task>();

function status(): { rss: number; peak: number } {
  const text = readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: kb('VmRSS') * 1024, peak: kb('VmHWM') * 1024 };
}

/** Runs `transfer` with the peak reset before it; its growth is the peak over the RSS just before. */
async function measured(transfer: () => Promise<number>): Promise<never> {
  globalThis.gc?.();
  writeFileSync('/proc/self/clear_refs', '5');
  const before = status().rss;
  const started = performance.now();
  const bytes = await transfer();
  const ms = performance.now() - started;
  report({ bytes, ms, peakGrowth: status().peak - before });
}

/** Counts what it is given and keeps none of it. */
function countingSink(): { sink: Writable; received: () => number } {
  let received = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback();
    },
  });
  return { sink, received: () => received };
}

switch (job.task) {
  case 'artifact': {
    // test/simulator/artifacts.test.ts "large artifacts": a generated zip read to the end.
    const artifact = createArtifact({
      commandId: 'b1c2d3e4-0000-4000-8000-00000000c0de',
      kind: job.kind,
      deviceName: 'LAPTOP-ALICE',
      platform: 'windows',
      userEmail: 'alice@example.com',
      createdAt: new Date('2025-06-01T10:00:00.250Z'),
      sizeBytes: job.bytes,
    });
    await measured(async () => {
      const { sink, received } = countingSink();
      await pipeline(artifact.open(), sink);
      if (received() !== artifact.size) throw new Error(`read ${received()} of ${artifact.size} bytes`);
      return received();
    });
    break;
  }
  case 'simulator-download': {
    // test/simulator/server.test.ts "streams a large artifact": one download over HTTP from the simulator.
    const sim = await startDexSimulator({ fleetSize: 10, artifactSizeBytes: { 'warp-diag': job.bytes } });
    const mac = sim.addDevice({ platform: 'macos' });
    const auth = { authorization: `Bearer ${sim.token}` };
    const created = await request(`${sim.baseUrl}/accounts/${sim.accountId}/dex/commands`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({
        commands: [
          {
            type: 'warp-diag',
            device_id: mac.deviceId,
            user_email: mac.personEmail,
            args: { 'test-all-routes': false },
          },
        ],
      }),
    });
    const id = ((await created.body.json()) as { result: { commands: Array<{ id: string }> } }).result.commands[0]?.id;
    sim.advance(5 * 60_000);
    // As the test read it: fetch, the answer's headers in, then the body chunk by chunk.
    const response = await fetch(`${sim.baseUrl}/accounts/${sim.accountId}/dex/commands/${id}/downloads/${id}.zip`, {
      headers: auth,
    });
    await measured(async () => {
      let received = 0;
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
      if (received !== Number(response.headers.get('content-length'))) throw new Error(`cut at ${received} bytes`);
      return received;
    });
    break;
  }
  case 'dex-client-download': {
    // test/dex/client.test.ts "downloads": DexClient.download from the simulator, streamed to the end.
    const sim = await startDexSimulator({ fleetSize: 10, artifactSizeBytes: { pcap: job.bytes } });
    const device = sim.addDevice({ deviceName: 'BIG-1', personEmail: 'big-1@example.com', platform: 'macos' });
    const dex = new DexClient({ baseUrl: sim.baseUrl, accountId: sim.accountId, token: sim.token });
    const [pcap] = await dex.createCommands([
      {
        deviceId: device.deviceId,
        userEmail: device.personEmail,
        type: 'pcap',
        args: { timeLimitMin: 1, maxFileSizeMb: 5, packetSizeBytes: 160 },
      },
    ]);
    sim.advance(10 * 60_000);
    await measured(async () => {
      const download = await dex.download({ id: pcap?.id ?? '', filename: null });
      const { sink, received } = countingSink();
      await pipeline(download.stream, sink);
      if (received() !== download.contentLength) throw new Error(`cut at ${received()} bytes`);
      return received();
    });
    break;
  }
  case 'fake-slack-upload': {
    // test/fake-slack/fake-slack.test.ts "1 GiB streamed upload": bytes POSTed to the stand-in's upload URL.
    const slack = await startFakeSlack();
    const reserved = await request(`${slack.apiUrl}files.getUploadURLExternal`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ filename: 'big.zip', length: String(job.bytes) }).toString(),
    });
    const { upload_url: url } = (await reserved.body.json()) as { upload_url: string };
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const chunks = Math.ceil(job.bytes / chunk.length);
    await measured(async () => {
      async function* body() {
        for (let i = 0; i < chunks; i += 1)
          yield i === chunks - 1 ? chunk.subarray(0, job.bytes - i * chunk.length) : chunk;
      }
      const posted = await request(url, {
        method: 'POST',
        body: Readable.from(body()),
        headers: { 'content-length': String(job.bytes) },
      });
      await posted.body.dump();
      if (posted.statusCode !== 200) throw new Error(`upload answered ${posted.statusCode}`);
      const file = slack.files().find((candidate) => candidate.filename === 'big.zip');
      if (file?.upload?.content !== undefined) throw new Error('the stand-in kept the bytes');
      return file?.upload?.bytes ?? 0;
    });
    break;
  }
}
