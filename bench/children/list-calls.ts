import Cloudflare from 'cloudflare';
import { DexClient } from '../../src/dex/index.js';
import { readJob, report } from './job.js';

/*
 * `calls` list-commands calls, `concurrency` at a time, with our DEX client or the official `cloudflare` SDK,
 * against the same simulator. Each process measures one client, so neither shares an event loop with the other
 * or with the simulator.
 */
interface Job {
  client: 'ours' | 'sdk';
  baseUrl: string;
  accountId: string;
  token: string;
  calls: number;
  concurrency: number;
}

const job = readJob<Job>();
const ours = new DexClient({ baseUrl: job.baseUrl, accountId: job.accountId, token: job.token });
const sdk = new Cloudflare({ apiToken: job.token, baseURL: job.baseUrl, maxRetries: 0 });
const listOnce: () => Promise<number> =
  job.client === 'ours'
    ? async () => (await ours.listCommands({ page: 1, perPage: 50 })).items.length
    : async () => {
        const page = await sdk.zeroTrust.dex.commands.list({ account_id: job.accountId, page: 1, per_page: 50 });
        return (page.result as { commands?: unknown[] }).commands?.length ?? 0;
      };

// Warm up: connections, JIT.
for (let i = 0; i < 50; i++) await listOnce();
let next = 0;
let listed = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: job.concurrency }, async () => {
    while (next < job.calls) {
      next++;
      listed += await listOnce();
    }
  }),
);
await ours.close();
report({ ms: performance.now() - started, listed });
