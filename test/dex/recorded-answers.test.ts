import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutcomeUnknown, DexApiError, DexClient, DexResponseError } from '../../src/dex/index.js';

/**
 * The DEX client on Cloudflare's own example answers (the API docs' examples, reference §2–§6), replayed through an
 * undici MockAgent: no server, no simulator, the bodies exactly as Cloudflare documents them.
 */

const ORIGIN = 'https://api.cloudflare.com';
const ACCOUNT = '023e105f4ecef8ad9ca31a8372d0c353';
const JSON_HEADERS = { 'content-type': 'application/json' };

let agent: MockAgent;
let dex: DexClient;

function replay() {
  agent = new MockAgent();
  agent.disableNetConnect();
  dex = new DexClient({
    baseUrl: `${ORIGIN}/client/v4`,
    accountId: ACCOUNT,
    token: 'recorded-token',
    dispatcher: agent,
    retry: { maxRetries: 0 },
  });
  return agent.get(ORIGIN);
}

afterEach(async () => {
  await dex.close();
  await agent.close();
});

const path = (suffix: string) => (p: string) => p.startsWith(`/client/v4/accounts/${ACCOUNT}/dex/commands${suffix}`);

describe('the DEX client on Cloudflare’s documented answers', () => {
  it('reads the docs’ list example, with its placeholder values', async () => {
    replay()
      .intercept({ path: path('?'), method: 'GET' })
      .reply(
        200,
        {
          errors: [],
          messages: [],
          success: true,
          result: {
            commands: [
              {
                id: 'id',
                completed_date: '2019-12-27T18:11:19.117Z',
                created_date: '2019-12-27T18:11:19.117Z',
                device_id: 'device_id',
                filename: 'filename',
                registration_id: 'registration_id',
                status: 'PENDING_EXEC',
                type: 'type',
                user_email: 'user_email',
              },
            ],
          },
          result_info: { count: 1, page: 1, per_page: 20, total_count: 2000, total_pages: 100 },
        },
        { headers: JSON_HEADERS },
      );
    const page = await dex.listCommands({ page: 1, perPage: 20 });
    expect(page.items).toEqual([
      {
        id: 'id',
        type: 'type',
        status: 'PENDING_EXEC',
        deviceId: 'device_id',
        registrationId: 'registration_id',
        userEmail: 'user_email',
        createdAt: new Date('2019-12-27T18:11:19.117Z'),
        completedAt: new Date('2019-12-27T18:11:19.117Z'),
        filename: 'filename',
      },
    ]);
    expect(page).toMatchObject({ skipped: 0, page: 1, totalPages: 100, totalCount: 2000 });
  });

  it('reads the docs’ devices example, with its not-quite-RFC 3339 timestamp', async () => {
    replay()
      .intercept({ path: path('/devices'), method: 'GET' })
      .reply(
        200,
        {
          errors: [],
          messages: [],
          success: true,
          result: {
            devices: [
              {
                deviceId: 'deviceId',
                deviceName: 'deviceName',
                eligible: true,
                ineligibleReason: 'ineligibleReason',
                personEmail: 'personEmail',
                platform: 'windows',
                registrationId: 'registrationId',
                status: 'connected',
                timestamp: '2023-10-11 00:00:00+00',
                version: '1.0.0',
              },
            ],
          },
        },
        { headers: JSON_HEADERS },
      );
    const page = await dex.listDevices({ search: 'device' });
    expect(page.items[0]).toMatchObject({
      id: 'deviceId',
      name: 'deviceName',
      eligible: true,
      email: 'personEmail',
      platform: 'windows',
      registrationId: 'registrationId',
      networkStatus: 'connected',
      lastSeenAt: new Date('2023-10-11T00:00:00Z'),
      warpVersion: '1.0.0',
    });
  });

  it('reads the quota example', async () => {
    replay()
      .intercept({ path: path('/quota'), method: 'GET' })
      .reply(
        200,
        {
          success: true,
          errors: [],
          messages: [],
          result: { quota: 800, quota_usage: 12, reset_time: '2026-08-19T00:00:00Z' },
        },
        { headers: JSON_HEADERS },
      );
    expect(await dex.getQuota()).toEqual({
      total: 800,
      used: 12,
      remaining: 788,
      resetsAt: new Date('2026-08-19T00:00:00Z'),
    });
  });

  it('turns the spec’s failure example into an API error with Cloudflare’s code, and a create into a definite no', async () => {
    const failure = {
      success: false,
      errors: [{ code: 7003, message: 'No route for the URI.' }],
      messages: [],
      result: null,
    };
    replay()
      .intercept({ path: path(''), method: 'POST' })
      .reply(404, failure, { headers: JSON_HEADERS });
    const error = await dex
      .createCommands([{ deviceId: 'device_id', userEmail: 'user_email', type: 'speed-test' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DexApiError);
    expect(error).toMatchObject({ status: 404, codes: [7003] });
    expect(createOutcomeUnknown(error)).toBe(false);
  });

  it('treats a create answered 200 with an HTML page as an unknown outcome', async () => {
    replay()
      .intercept({ path: path(''), method: 'POST' })
      .reply(200, '<html><body>Please wait…</body></html>', { headers: { 'content-type': 'text/html' } });
    const error = await dex
      .createCommands([{ deviceId: 'device_id', userEmail: 'user_email', type: 'pcap' }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DexResponseError);
    expect(createOutcomeUnknown(error)).toBe(true);
  });
});
