import { afterAll, beforeAll, expect, it } from 'vitest';
import { DexClient, sharedRateLimitGate } from '../../src/dex/index.js';
import { type DexSimulator, startDexSimulator } from '../../src/simulator/index.js';
import { openStore, type Store } from '../../src/store/index.js';
import { ThrowawayDatabases } from '../postgres.js';

// Two replicas: each its own DEX client and its own connection to one PostgreSQL database.
const databases = new ThrowawayDatabases();
let sim: DexSimulator;
const stores: Store[] = [];

beforeAll(async () => {
  sim = await startDexSimulator({ fleetSize: 5 });
  const { url } = await databases.create();
  stores.push(await openStore(url), await openStore(url));
});

afterAll(async () => {
  await Promise.all(stores.map((store) => store.close()));
  await sim.close();
  await databases.dropAll();
});

it('a 429 seen by one replica holds back the other replica using the same token', async () => {
  const [first, second] = stores.map(
    (store) =>
      new DexClient({
        baseUrl: sim.baseUrl,
        accountId: sim.accountId,
        token: sim.token,
        rateLimitGate: sharedRateLimitGate(store),
      }),
  ) as [DexClient, DexClient];
  try {
    sim.faults.rateLimit({ retryAfterSeconds: 1, endpoint: 'quota' });
    const [quota, devices] = await Promise.all([
      first.getQuota(),
      // Asked once the first replica has met the 429.
      new Promise((resolve) => setTimeout(resolve, 200)).then(() => second.listDevices({ perPage: 1 })),
    ]);
    expect(quota.total).toBeGreaterThan(0);
    expect(devices.items).toHaveLength(1);

    const limited = sim.requests.find((r) => r.status === 429);
    expect(limited).toBeDefined();
    const others = sim.requests.filter((r) => r !== limited);
    expect(others.map((r) => r.endpoint).sort()).toEqual(['devices', 'quota']);
    // The second replica's call went out only after the hold, not at 200 ms.
    for (const r of others) expect(r.at.getTime()).toBeGreaterThanOrEqual((limited?.at.getTime() ?? 0) + 990);
  } finally {
    await first.close();
    await second.close();
  }
});
