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

/**
 * The WARP-diag analysis route is undocumented (reference §11, §16.1): Cloudflare's DEX MCP server passes its answer
 * on as it is, telling its reader that detections with zero occurrences can be ruled out and to start from the
 * highest severity. These bodies are shaped after that reading, then bent every way a lenient reader must survive.
 */
describe('the DEX client on the undocumented analysis route', () => {
  const COMMAND = '5f3e2d1c-0000-4000-8000-00000000a11a';
  const analysisPath = (p: string) => p === `/client/v4/accounts/${ACCOUNT}/dex/commands/${COMMAND}/analysis`;
  const debugLines: { fields: Record<string, unknown>; message: string }[] = [];

  function replayAnalysis(status: number, body: unknown, headers: Record<string, string> = JSON_HEADERS) {
    debugLines.length = 0;
    agent = new MockAgent();
    agent.disableNetConnect();
    dex = new DexClient({
      baseUrl: `${ORIGIN}/client/v4`,
      accountId: ACCOUNT,
      token: 'recorded-token',
      dispatcher: agent,
      retry: { maxRetries: 0 },
      logger: { debug: (fields, message) => debugLines.push({ fields, message }) },
    });
    agent
      .get(ORIGIN)
      .intercept({ path: analysisPath, method: 'GET' })
      .reply(status, typeof body === 'string' ? body : JSON.stringify(body), { headers });
  }

  const envelope = (result: unknown) => ({ success: true, errors: [], messages: [], result });

  it('keeps the detections that occurred, highest severity first, then the most frequent', async () => {
    replayAnalysis(
      200,
      envelope({
        detections: [
          { name: 'No network', severity: 'low', occurrences: 12, description: 'The device was offline.' },
          { name: 'Registration missing', severity: 'high', occurrences: 0, description: 'Ruled out.' },
          { name: 'DNS proxy failed', severity: 'high', occurrences: 3, description: 'Port 53 is taken.' },
          { name: 'Captive portal', severity: 'medium', occurrences: 40 },
          { name: 'TLS inspection', severity: 'critical', occurrences: 1, description: 'DoH is intercepted.' },
          { name: 'Happy eyeballs', severity: 'high', occurrences: 9 },
        ],
      }),
    );
    expect(await dex.commandAnalysis(COMMAND)).toEqual([
      { name: 'TLS inspection', severity: 'critical', occurrences: 1, description: 'DoH is intercepted.' },
      { name: 'Happy eyeballs', severity: 'high', occurrences: 9, description: null },
      { name: 'DNS proxy failed', severity: 'high', occurrences: 3, description: 'Port 53 is taken.' },
      { name: 'Captive portal', severity: 'medium', occurrences: 40, description: null },
      { name: 'No network', severity: 'low', occurrences: 12, description: 'The device was offline.' },
    ]);
    expect(debugLines).toEqual([]);
  });

  it('reads the MCP server’s own spelling, other key names, a bare list and counts as strings', async () => {
    replayAnalysis(
      200,
      envelope([
        {
          title: 'Split tunnel excludes DoH',
          level: 'WARNING',
          occurences: '2',
          details: 'spelled as in the MCP hint',
        },
        { detection_name: 'Clock skew', priority: 2, count: 5 },
        { code: 'CF_NO_NETWORK', hits: 1 },
      ]),
    );
    expect(await dex.commandAnalysis(COMMAND)).toEqual([
      {
        name: 'Split tunnel excludes DoH',
        severity: 'WARNING',
        occurrences: 2,
        description: 'spelled as in the MCP hint',
      },
      { name: 'Clock skew', severity: '2', occurrences: 5, description: null },
      { name: 'CF_NO_NETWORK', severity: null, occurrences: 1, description: null },
    ]);
  });

  it('finds the list one level down, and gives an empty list when nothing occurred', async () => {
    replayAnalysis(200, envelope({ analysis: { detections: [{ name: 'A', severity: 'low', occurrences: 0 }] } }));
    expect(await dex.commandAnalysis(COMMAND)).toEqual([]);
  });

  it('cleans and bounds what Cloudflare wrote, and keeps at most 50 detections', async () => {
    const many = Array.from({ length: 80 }, (_, index) => ({
      name: `D${index}`,
      severity: 'low',
      occurrences: index + 1,
    }));
    replayAnalysis(
      200,
      envelope({
        detections: [
          {
            name: `\u202eevil\u0000 name\n${'x'.repeat(500)}`,
            severity: 'high',
            occurrences: 1,
            description: 'y'.repeat(900),
          },
          ...many,
        ],
      }),
    );
    const detections = (await dex.commandAnalysis(COMMAND)) ?? [];
    expect(detections).toHaveLength(50);
    const [first] = detections;
    expect(first?.name.startsWith('evil name x')).toBe(true);
    expect(first?.name.length).toBe(200);
    expect(first?.description?.length).toBe(500);
    expect(detections[1]).toMatchObject({ name: 'D79', occurrences: 80 });
  });

  it('answers null, and notes why at debug, for a 404, an error, or any body it cannot read', async () => {
    const cases: [number, unknown, string][] = [
      [
        404,
        { success: false, errors: [{ code: 1016, message: 'not found' }], messages: [], result: null },
        'no analysis',
      ],
      [500, { success: false, errors: [{ code: 1015, message: 'boom' }], messages: [], result: null }, 'error status'],
      [403, '<html>denied</html>', 'error status'],
      [200, '<html>Please wait…</html>', 'body is not JSON'],
      [200, '{"success": true, "result": {"detections": [', 'body is not JSON'],
      [200, [1, 2, 3], 'body is array, not an object'],
      [200, envelope(null), 'no list of detections in the result'],
      [200, envelope({ detections: 'none' }), 'no list of detections in the result'],
      [200, envelope({ detections: [{ severity: 'high' }, 'x', 7, null] }), 'none of the 4 detections'],
      [200, { success: false, errors: [], messages: [], result: { detections: [] } }, 'success is false'],
    ];
    for (const [status, body, problem] of cases) {
      replayAnalysis(status, body);
      expect(await dex.commandAnalysis(COMMAND), `${status} ${JSON.stringify(body)}`).toBeNull();
      expect(debugLines).toHaveLength(1);
      expect(debugLines[0]?.fields).toMatchObject({ endpoint: 'analysis', commandId: COMMAND });
      expect(String(debugLines[0]?.fields.problem)).toContain(problem);
      await dex.close();
      await agent.close();
    }
    // One item it cannot read among good ones is skipped, not fatal.
    replayAnalysis(200, envelope({ detections: [{ nonsense: true }, { name: 'Kept', occurrences: 1 }] }));
    expect(await dex.commandAnalysis(COMMAND)).toEqual([
      { name: 'Kept', severity: null, occurrences: 1, description: null },
    ]);
  });

  it('sends nothing for an id that is not one, and answers null', async () => {
    replayAnalysis(200, envelope({ detections: [] }));
    expect(await dex.commandAnalysis('../../quota')).toBeNull();
    expect(debugLines[0]?.fields.problem).toBe('not a command id');
  });
});
