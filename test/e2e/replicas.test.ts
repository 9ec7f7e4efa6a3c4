import { execFileSync } from 'node:child_process';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HELPDESK_GROUP } from '../../src/demo/local-environment.js';
import {
  type FakeFileShare,
  type FakeMessage,
  type FakeSlack,
  startFakeSlack,
  values,
} from '../../src/fake-slack/index.js';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import { typeLabel } from '../../src/slack/ui/format.js';
import { TYPES_ACTION, TYPES_BLOCK } from '../../src/slack/ui/ids.js';
import { ThrowawayDatabases } from '../postgres.js';
import { type BotProcess, startBotProcess } from './bot-process.js';
import { artifactDigest, openModal, pickDevices, visibleText } from './stack.js';

// Three bot processes (`node dist/main.js`) on one PostgreSQL database, behind a "load balancer" that sends
// each request to a different one; one of them is killed with SIGKILL in the middle of its uploads.

const ARTIFACT_BYTES = 6 * 1024 * 1024;
const CAPTURES = 30;

let sim: DexSimulator;
let slack: FakeSlack;
let databaseUrl: string;
const databases = new ThrowawayDatabases();
const bots: BotProcess[] = [];

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
  // Empty: the replicas' migrations race on it.
  databaseUrl = (await databases.create({ migrated: false })).url;
  // ×600: a one-minute capture takes a tenth of a second.
  sim = await startDexSimulator({ fleetSize: 50, timeScale: 600, artifactSizeBytes: { pcap: ARTIFACT_BYTES } });
  slack = await startFakeSlack({ usergroups: [HELPDESK_GROUP] });
}, 120_000);

afterAll(async () => {
  for (const bot of bots) bot.child.kill('SIGKILL');
  await Promise.all(bots.map((bot) => bot.exited));
  await slack?.close();
  await sim?.close();
  await databases.dropAll();
});

/** The replica (by process id) holding an upload lease right now, if any. */
async function replicaUploading(): Promise<number | undefined> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ owner: string }>(
      `SELECT owner FROM leases WHERE name LIKE 'upload:%' AND expires_at > $1 LIMIT 1`,
      [Date.now()],
    );
    const owner = rows[0]?.owner;
    return owner ? Number(owner.split(':')[1]) : undefined;
  } finally {
    await client.end();
  }
}

describe('three replicas on one PostgreSQL database', () => {
  it('share 30 captures; one killed mid-upload: every artifact lands once, every status ends true', async () => {
    const names = Array.from({ length: CAPTURES }, (_, i) => `REPLICA-${String(i).padStart(2, '0')}`);
    for (const name of names) {
      sim.addDevice({ deviceName: name, personEmail: `${name.toLowerCase()}@example.com`, platform: 'windows' });
    }
    // Started at once: their migrations race on the empty database.
    bots.push(...(await Promise.all([0, 1, 2].map(() => startBotProcess(slack, sim, databaseUrl)))));
    const drivers = bots.map((bot) =>
      slack.driver({ botUrl: `http://127.0.0.1:${bot.port}/slack/events`, userId: 'U_ALICE', channelId: 'C_HELPDESK' }),
    );
    const pcapOnly = values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: typeLabel('pcap'), value: 'pcap' }]);

    for (const [i, name] of names.entries()) {
      // The modal is opened through one replica and submitted through the next, as a load balancer would.
      const opener = drivers[i % 3] as (typeof drivers)[number];
      const submitter = drivers[(i + 1) % 3] as (typeof drivers)[number];
      const viewId = await openModal({ slack, user: opener });
      const picked = await pickDevices({ slack, user: opener }, viewId, [name]);
      const result = await submitter.submitView(viewId, values.merge(picked, pcapOnly));
      expect(result.outcome).toBe('closed');
      if (i === 0) {
        // Slack retries the first submission, and the retry reaches the third replica.
        const elsewhere = { ...result.request, url: `http://127.0.0.1:${bots[2]?.port}/slack/events` };
        const retry = await submitter.resend(elsewhere, { retryNum: 1, retryReason: 'http_timeout' });
        expect(retry.status).toBe(200);
      }
    }

    // Kill a replica that is uploading, once the first artifacts are in their threads.
    const completed = () => slack.callsTo('files.completeUploadExternal').filter((c) => c.ok).length;
    await slack.waitFor(() => completed() >= 1, 60_000);
    let victimPid: number | undefined;
    for (let tries = 0; victimPid === undefined && tries < 200; tries++) {
      victimPid = await replicaUploading();
      if (victimPid === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const victim = bots.find((bot) => bot.child.pid === victimPid);
    expect(victim).toBeDefined();
    victim?.child.kill('SIGKILL');
    await victim?.exited;
    expect(completed()).toBeLessThan(CAPTURES);

    const statuses = () =>
      slack.messages('C_HELPDESK').filter((m): m is FakeMessage => m.kind === 'message' && !m.threadTs);
    const filesIn = (status: FakeMessage) =>
      slack.thread('C_HELPDESK', status.ts).filter((e): e is FakeFileShare => e.kind === 'file');
    const settled = (s: FakeMessage) => /Finished/.test(visibleText(s)) && filesIn(s).length >= 1;
    await slack
      .waitFor(() => statuses().length === CAPTURES && statuses().every(settled), 90_000)
      .catch((error: Error) => {
        // Say what is stuck and what the replicas said about it: this test fails only on a coordination bug.
        const stuck = statuses().filter((s) => !settled(s));
        const ids = stuck.map((s) => /capture `(\w+)`/.exec(visibleText(s))?.[1] ?? '?');
        const said = bots.flatMap((bot) =>
          bot.output
            .join('')
            .split('\n')
            .filter((line) => ids.some((id) => line.includes(id)) || /"level":"(warn|error)"/.test(line))
            .map((line) => `[pid ${bot.child.pid}] ${line}`),
        );
        throw new Error(
          `${error.message}: ${statuses().length} status messages, unsettled ${ids.join(', ')}\n${said.slice(-40).join('\n')}`,
        );
      });
    // Give a duplicate, if there were one, the time to show up.
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    expect(statuses()).toHaveLength(CAPTURES);
    for (const status of statuses()) expect(filesIn(status)).toHaveLength(1);
    const files = statuses().flatMap(filesIn);
    const commands = sim.commands.filter((c) => names.includes(c.device.deviceName));
    expect(commands).toHaveLength(CAPTURES);
    const expected = await Promise.all(commands.map(async (c) => (await artifactDigest(sim, c.id)).sha256));
    expect(new Set(files.map((f) => f.sha256))).toEqual(new Set(expected));
    // One create per request: the retry that reached another replica started nothing.
    expect(sim.requests.filter((r) => r.endpoint === 'create')).toHaveLength(CAPTURES);
    // The two that lived are still serving.
    const survivors = bots.filter((bot) => bot !== victim);
    for (const bot of survivors) expect(bot.child.exitCode).toBeNull();
  }, 240_000);
});
