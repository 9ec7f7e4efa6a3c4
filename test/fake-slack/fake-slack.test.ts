import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { App, type AppOptions, type BlockAction, type ButtonAction, SocketModeReceiver, webApi } from '@slack/bolt';
import { request } from 'undici';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  type FakeFileShare,
  type FakeMessage,
  type FakeSlack,
  type FakeSlackOptions,
  imIdFor,
  type SlackDriver,
  startFakeSlack,
  values,
} from '../../src/fake-slack/index.js';
import { MultipartReader } from '../../src/fake-slack/multipart.js';
import { whenTestFinishes } from '../cleanup.js';
import { silent } from './silent-logger.js';

// Everything goes over real HTTP (and a real WebSocket) on 127.0.0.1, through the real Slack SDK clients.

const { WebClient, WebAPIPlatformError, WebAPIHTTPError, WebAPIRateLimitedError } = webApi;

const started: FakeSlack[] = [];
const apps: App[] = [];

async function fake(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const slack = await startFakeSlack(options);
  // Started by a test: closed when it finishes (after afterEach has stopped its apps); otherwise in afterAll.
  if (!whenTestFinishes(() => slack.close())) started.push(slack);
  return slack;
}

afterEach(async () => {
  // Bolt apps first: a Socket Mode client whose server vanishes tries to reconnect.
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

afterAll(async () => {
  await Promise.all(started.map((slack) => slack.close()));
});

/** A real web-api client on the fake; `null` for no token at all. */
function client(slack: FakeSlack, token: string | null = slack.botToken, options: webApi.WebClientOptions = {}) {
  return new WebClient(token ?? undefined, {
    slackApiUrl: slack.apiUrl,
    retryConfig: { retries: 0 },
    logger: silent,
    ...options,
  });
}

/** The Slack error name a call fails with (platform error, or the body of an HTTP error). */
async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof WebAPIPlatformError) return error.data.error;
    // web-api parses a JSON body of an HTTP error for us.
    if (error instanceof WebAPIHTTPError) return `HTTP ${error.statusCode} ${error.body?.error}`;
    throw error;
  }
  return 'no error';
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });
const option = (text: string, value = text.slice(0, 20)) => ({ text: { type: 'plain_text' as const, text }, value });
const modal = (overrides: Record<string, unknown> = {}) => ({
  type: 'modal',
  callback_id: 'capture_modal',
  title: { type: 'plain_text', text: 'Start a capture' },
  submit: { type: 'plain_text', text: 'Start' },
  blocks: [
    {
      type: 'input',
      block_id: 'devices',
      label: { type: 'plain_text', text: 'Devices' },
      element: { type: 'multi_external_select', action_id: 'device_search', min_query_length: 0 },
    },
    {
      type: 'input',
      block_id: 'types',
      label: { type: 'plain_text', text: 'Capture types' },
      element: {
        type: 'checkboxes',
        action_id: 'capture_types',
        options: [option('Packet capture', 'pcap'), option('WARP diagnostics', 'warp-diag')],
        initial_options: [option('WARP diagnostics', 'warp-diag')],
      },
    },
    {
      type: 'input',
      block_id: 'duration',
      optional: true,
      label: { type: 'plain_text', text: 'Minutes' },
      element: { type: 'number_input', action_id: 'minutes', is_decimal_allowed: false, initial_value: '5' },
    },
  ],
  ...overrides,
});

describe('Web API', () => {
  it('answers auth.test for the bot token and records the call', async () => {
    const slack = await fake();
    const result = await client(slack).auth.test();
    expect(result).toMatchObject({ ok: true, team_id: slack.teamId, user_id: slack.botUserId, bot_id: slack.botId });
    const [call] = slack.callsTo('auth.test');
    expect(call).toMatchObject({ method: 'auth.test', token: slack.botToken, ok: true, status: 200 });
    expect(call?.at).toBeInstanceOf(Date);
  });

  it('posts, updates and replies in a thread, with increasing Slack-shaped ts', async () => {
    const slack = await fake();
    const web = client(slack);
    const parent = await web.chat.postMessage({
      channel: 'C_HELPDESK',
      text: 'Capture requested',
      blocks: [section('*1 device*')],
    });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    const reply = await web.chat.postMessage({
      channel: 'C_HELPDESK',
      thread_ts: parent.ts as string,
      text: 'started',
    });
    expect(Number(reply.ts)).toBeGreaterThan(Number(parent.ts));
    const updated = await web.chat.update({ channel: 'C_HELPDESK', ts: parent.ts as string, text: 'Capture running' });
    expect(updated.message?.text).toBe('Capture running');

    const [top, ...others] = slack.messages('C_HELPDESK') as FakeMessage[];
    expect(others).toEqual([]);
    expect(top).toMatchObject({ ts: parent.ts, text: 'Capture running', updates: 1, user: slack.botUserId });
    expect(top?.blocks).toEqual([section('*1 device*')]); // chat.update without blocks keeps them
    expect(top?.history).toMatchObject([{ text: 'Capture requested' }]);
    expect(slack.thread('C_HELPDESK', parent.ts as string)).toMatchObject([
      { kind: 'message', text: 'started', ts: reply.ts },
    ]);
    // A form body with the blocks as a JSON string, parsed for the record.
    expect(slack.callsTo('chat.postMessage')[0]?.args.blocks).toEqual([section('*1 device*')]);
  });

  it('posts ephemerals and answers users, conversations and user groups', async () => {
    const slack = await fake({ usergroups: [{ id: 'S_ONCALL', users: ['U_BOB'] }] });
    const web = client(slack);
    await web.chat.postEphemeral({ channel: 'C_HELPDESK', user: 'U_ALICE', text: 'only you' });
    expect(slack.ephemerals('U_ALICE')).toMatchObject([{ channel: 'C_HELPDESK', text: 'only you', via: 'api' }]);
    const { user } = await web.users.info({ user: 'U_ADMIN' });
    expect(user).toMatchObject({ id: 'U_ADMIN', name: 'admin', is_admin: true, is_owner: true, tz: 'Europe/Berlin' });
    expect(user?.profile?.email).toBe('admin@example.com');
    expect((await web.users.lookupByEmail({ email: 'BOB@example.com' })).user?.id).toBe('U_BOB');
    expect((await web.conversations.info({ channel: 'G_SECURITY' })).channel).toMatchObject({
      is_private: true,
      is_im: false,
      name: 'security',
    });
    expect((await web.usergroups.users.list({ usergroup: 'S_ONCALL' })).users).toEqual(['U_BOB']);
    // A user id as the channel: Slack posts in the bot's IM with that user.
    expect((await web.chat.postMessage({ channel: 'U_BOB', text: 'dm' })).channel).toBe(imIdFor('U_BOB'));
    expect(slack.messages('U_BOB')).toMatchObject([{ text: 'dm', channel: 'DU_BOB' }]);
    expect((await web.conversations.info({ channel: 'DU_BOB' })).channel).toMatchObject({ is_im: true, user: 'U_BOB' });
    expect(await slackError(web.users.info({ user: 'U_NOBODY' }))).toBe('user_not_found');
    expect(await slackError(web.users.lookupByEmail({ email: 'x@example.com' }))).toBe('users_not_found');
  });

  it('rejects what Slack rejects', async () => {
    const slack = await fake();
    const web = client(slack);
    const post = (args: Record<string, unknown>) => web.chat.postMessage({ channel: 'C_HELPDESK', text: 'x', ...args });
    const ts = (await post({})).ts as string;
    const many = (n: number, item: () => unknown) => Array.from({ length: n }, item);
    const cases: [string, Promise<unknown>, string][] = [
      ['no token', client(slack, null).auth.test(), 'not_authed'],
      ['wrong token', client(slack, 'xoxb-not-this-one').auth.test(), 'invalid_auth'],
      ['unknown method', web.apiCall('chat.nope'), 'HTTP 404 unknown_method'],
      [
        'app token on a bot method',
        client(slack, slack.appToken).chat.postMessage({ channel: 'C_HELPDESK', text: 'x' }),
        'not_allowed_token_type',
      ],
      ['bot token opening a socket', web.apps.connections.open(), 'not_allowed_token_type'],
      ['51 blocks', post({ blocks: many(51, () => section('x')) }), 'invalid_blocks'],
      ['section text 3001', post({ blocks: [section('x'.repeat(3001))] }), 'invalid_blocks'],
      [
        'header 151',
        post({ blocks: [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }] }),
        'invalid_blocks',
      ],
      [
        'context 11 elements',
        post({ blocks: [{ type: 'context', elements: many(11, () => ({ type: 'mrkdwn', text: 'c' })) }] }),
        'invalid_blocks',
      ],
      [
        'actions 26 elements',
        post({
          blocks: [
            {
              type: 'actions',
              elements: many(26, () => ({ type: 'button', text: { type: 'plain_text', text: 'b' } })),
            },
          ],
        }),
        'invalid_blocks',
      ],
      [
        'option text 76 in a message',
        post({
          blocks: [
            {
              ...section('pick'),
              accessory: { type: 'static_select', action_id: 'a', options: [option('o'.repeat(76))] },
            },
          ],
        }),
        'invalid_blocks',
      ],
      ['neither text nor blocks', web.chat.postMessage({ channel: 'C_HELPDESK' } as never), 'no_text'],
      ['unknown channel', web.chat.postMessage({ channel: 'C_NOWHERE', text: 'x' }), 'channel_not_found'],
      [
        'update of an unknown ts',
        web.chat.update({ channel: 'C_HELPDESK', ts: '1.000100', text: 'x' }),
        'message_not_found',
      ],
      ['update in the wrong channel', web.chat.update({ channel: 'C_ONCALL', ts, text: 'x' }), 'message_not_found'],
      ['reply to an unknown thread', post({ thread_ts: '1.000100' }), 'thread_not_found'],
    ];
    const failures = await Promise.all(cases.map(async ([name, call]) => [name, await slackError(call)]));
    expect(Object.fromEntries(failures)).toEqual(Object.fromEntries(cases.map(([name, , error]) => [name, error])));
    expect(slack.messages('C_HELPDESK')).toHaveLength(1);
    expect(slack.callsTo('chat.postMessage').filter((call) => !call.ok).length).toBeGreaterThan(5);
  });

  it('refuses modals over the limits, and option text over 75 anywhere in a view', async () => {
    const slack = await fake();
    const web = client(slack);
    const open = (view: Record<string, unknown>) =>
      slackError(web.views.open({ trigger_id: slack.issueTrigger('U_ALICE'), view: view as never }));
    expect(await open(modal({ blocks: Array.from({ length: 101 }, () => section('x')) }))).toBe('invalid_arguments');
    expect(await open(modal({ title: { type: 'plain_text', text: 't'.repeat(25) } }))).toBe('invalid_arguments');
    expect(await open(modal({ submit: { type: 'plain_text', text: 's'.repeat(25) } }))).toBe('invalid_arguments');
    expect(await open(modal({ close: { type: 'plain_text', text: 'c'.repeat(25) } }))).toBe('invalid_arguments');
    expect(await open(modal({ private_metadata: 'm'.repeat(3001) }))).toBe('invalid_arguments');
    const blocks = modal().blocks as Record<string, unknown>[];
    const withInitial = structuredClone(blocks);
    (withInitial[1]?.element as Record<string, unknown>).initial_options = [option('i'.repeat(76), 'pcap')];
    expect(await open(modal({ blocks: withInitial }))).toBe('invalid_blocks');
    expect(await open(modal({ blocks: [...blocks, section('x'.repeat(3001))] }))).toBe('invalid_blocks');
    // A modal at the limits is fine.
    const atLimits = modal({ private_metadata: 'm'.repeat(3000), title: { type: 'plain_text', text: 't'.repeat(24) } });
    expect((await web.views.open({ trigger_id: slack.issueTrigger('U_ALICE'), view: atLimits as never })).ok).toBe(
      true,
    );
  });

  it('opens a view once per trigger, within the trigger lifetime, and updates it by hash', async () => {
    const slack = await fake({ triggerTtlMs: 100 });
    const web = client(slack);
    const trigger = slack.issueTrigger('U_ALICE');
    const { view } = await web.views.open({ trigger_id: trigger, view: modal() as never });
    expect(view?.id).toMatch(/^V\w+$/);
    expect(view?.hash).toEqual(expect.any(String));
    expect(await slackError(web.views.open({ trigger_id: trigger, view: modal() as never }))).toBe(
      'exchanged_trigger_id',
    );
    expect(await slackError(web.views.open({ trigger_id: 'made.up.trigger', view: modal() as never }))).toBe(
      'invalid_trigger_id',
    );
    const late = slack.issueTrigger('U_ALICE');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await slackError(web.views.open({ trigger_id: late, view: modal() as never }))).toBe('expired_trigger_id');

    const viewId = view?.id as string;
    const updated = await web.views.update({
      view_id: viewId,
      hash: view?.hash as string,
      view: modal({ title: { type: 'plain_text', text: 'Loaded' } }) as never,
    });
    expect(updated.view?.hash).not.toBe(view?.hash);
    expect(
      await slackError(web.views.update({ view_id: viewId, hash: view?.hash as string, view: modal() as never })),
    ).toBe('hash_conflict');
    expect(slack.views.get(viewId)).toMatchObject({ updates: 1, open: true, view: { title: { text: 'Loaded' } } });

    const pushed = await web.views.push({
      trigger_id: slack.issueTrigger('U_ALICE', viewId),
      view: modal({ callback_id: 'confirm' }) as never,
    });
    expect(slack.views.get(pushed.view?.id as string)).toMatchObject({ previousViewId: viewId, rootViewId: viewId });
  });

  it('takes a streamed upload, checks its length, and shares it in the thread once', async () => {
    const slack = await fake();
    const web = client(slack);
    const parent = await web.chat.postMessage({ channel: 'C_HELPDESK', text: 'status' });
    const bytes = Buffer.alloc(300_000, 7);
    const { upload_url: uploadUrl, file_id: fileId } = await web.files.getUploadURLExternal({
      filename: 'capture.zip',
      length: bytes.length,
    });
    expect(uploadUrl).toBe(`${slack.baseUrl}upload/${fileId}`);
    expect(fileId).toMatch(/^F\w+$/);

    // Streamed in small pieces with a content-length, as the bot's relay sends it.
    const chunks = Array.from({ length: 30 }, (_, i) => bytes.subarray(i * 10_000, (i + 1) * 10_000));
    const posted = await request(uploadUrl as string, {
      method: 'POST',
      body: Readable.from(chunks),
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
    });
    expect(posted.statusCode).toBe(200);
    expect(await posted.body.text()).toBe(`OK - ${bytes.length}`);

    const complete = () =>
      web.files.completeUploadExternal({
        files: [{ id: fileId as string, title: 'Packet capture' }],
        channel_id: 'C_HELPDESK',
        thread_ts: parent.ts as string,
        initial_comment: 'alice-mbp: pcap',
      });
    expect((await complete()).files?.[0]).toMatchObject({ id: fileId, title: 'Packet capture' });
    const thread = slack.thread('C_HELPDESK', parent.ts as string) as FakeFileShare[];
    expect(thread).toHaveLength(1);
    expect(thread[0]).toMatchObject({
      kind: 'file',
      fileId,
      name: 'capture.zip',
      title: 'Packet capture',
      bytes: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      comment: 'alice-mbp: pcap',
    });
    expect(thread[0]?.content?.equals(bytes)).toBe(true);

    // files.info says where it is shared; completing again shares it again, as Slack does.
    const info = await web.files.info({ file: fileId as string });
    expect(info.file?.shares?.public?.C_HELPDESK).toEqual([
      expect.objectContaining({ thread_ts: parent.ts, ts: thread[0]?.ts }),
    ]);
    await complete();
    expect(slack.thread('C_HELPDESK', parent.ts as string)).toHaveLength(2);
    expect((await web.files.info({ file: fileId as string })).file?.shares?.public?.C_HELPDESK).toHaveLength(2);
    expect(await slackError(web.files.info({ file: 'F_NOPE' }))).toBe('file_not_found');
  });

  it('answers 400 to an upload of the wrong length, and refuses to complete a file without its bytes', async () => {
    const slack = await fake();
    const web = client(slack);
    const { upload_url: short, file_id: shortId } = await web.files.getUploadURLExternal({
      filename: 'a.zip',
      length: 1000,
    });
    const posted = await request(short as string, { method: 'POST', body: Buffer.alloc(999) });
    expect(posted.statusCode).toBe(400);
    await posted.body.dump();
    const { file_id: neverSent } = await web.files.getUploadURLExternal({ filename: 'b.zip', length: 10 });
    for (const id of [shortId, neverSent]) {
      expect(
        await slackError(web.files.completeUploadExternal({ files: [{ id: id as string }], channel_id: 'C_HELPDESK' })),
      ).toBe('upload_incomplete');
    }
    expect(
      await slackError(web.files.completeUploadExternal({ files: [{ id: 'F_NOPE' }], channel_id: 'C_HELPDESK' })),
    ).toBe('file_not_found');
    expect(slack.messages('C_HELPDESK')).toEqual([]);
    expect(slack.callsTo('upload')).toMatchObject([{ status: 400, error: 'length_mismatch', args: { bytes: 999 } }]);
  });

  it("accepts web-api's own filesUploadV2 (multipart) into a thread", async () => {
    const slack = await fake();
    const web = client(slack);
    const parent = await web.chat.postMessage({ channel: 'C_HELPDESK', text: 'status' });
    const content = Buffer.from('PK\u0003\u0004 not really a zip');
    await web.filesUploadV2({
      channel_id: 'C_HELPDESK',
      thread_ts: parent.ts as string,
      file: content,
      filename: 'diag.zip',
      title: 'WARP diag',
    });
    expect(slack.callsTo('upload')).toMatchObject([
      { ok: true, args: { encoding: 'multipart', bytes: content.length } },
    ]);
    const [share] = slack.thread('C_HELPDESK', parent.ts as string) as FakeFileShare[];
    expect(share).toMatchObject({ kind: 'file', name: 'diag.zip', title: 'WARP diag', bytes: content.length });
    expect(share?.content?.equals(content)).toBe(true);
  });

  // The peak memory of such an upload (< 200 MB over the start) is a row of `npm run bench -- simulator`.
  it('takes a 1 GiB streamed upload without keeping its bytes', { timeout: 120_000 }, async () => {
    const slack = await fake();
    const length = 1024 * 1024 * 1024;
    const { upload_url: url } = await client(slack).files.getUploadURLExternal({ filename: 'big.zip', length });
    const chunk = Buffer.alloc(1024 * 1024, 1);
    const hash = createHash('sha256');
    async function* body() {
      for (let i = 0; i < 1024; i += 1) {
        hash.update(chunk);
        yield chunk;
      }
    }
    const posted = await request(url as string, {
      method: 'POST',
      body: Readable.from(body()),
      headers: { 'content-length': String(length) },
    });
    expect(posted.statusCode).toBe(200);
    await posted.body.dump();
    const file = slack.files().find((candidate) => candidate.filename === 'big.zip');
    expect(file?.upload).toMatchObject({ bytes: length, sha256: hash.digest('hex') });
    expect(file?.upload?.content).toBeUndefined();
  });

  it('fails the next calls on demand: platform errors, 429 with retry-after, 5xx', async () => {
    const slack = await fake();
    const web = client(slack);
    slack.failNext('chat.postMessage', { error: 'plan_upgrade_required', times: 2 });
    slack.failNext('chat.update', { status: 429 });
    slack.failNext('users.info', { status: 500 });
    const post = () => web.chat.postMessage({ channel: 'C_HELPDESK', text: 'x' });
    expect(await slackError(post())).toBe('plan_upgrade_required');
    expect(await slackError(post())).toBe('plan_upgrade_required');
    const { ts } = await post();
    const strict = client(slack, slack.botToken, { rejectRateLimitedCalls: true });
    const limited = await strict.chat
      .update({ channel: 'C_HELPDESK', ts: ts as string, text: 'y' })
      .catch((error) => error);
    expect(limited).toBeInstanceOf(WebAPIRateLimitedError);
    expect(limited.retryAfter).toBe(1);
    expect((await strict.chat.update({ channel: 'C_HELPDESK', ts: ts as string, text: 'y' })).ok).toBe(true);
    expect(await slackError(web.users.info({ user: 'U_ALICE' }))).toBe('HTTP 500 internal_error');

    // The pseudo-methods: the upload URL and response_urls.
    const { upload_url: url } = await web.files.getUploadURLExternal({ filename: 'a.zip', length: 3 });
    slack.failNext('upload', { status: 500 });
    const upload = () => request(url as string, { method: 'POST', body: 'abc' });
    const failed = await upload();
    await failed.body.dump();
    const retried = await upload();
    expect([failed.statusCode, retried.statusCode, await retried.body.text()]).toEqual([500, 200, 'OK - 3']);
    const responseUrl = slack.issueResponseUrl('C_HELPDESK', 'U_ALICE');
    slack.failNext('respond', { status: 500 });
    const respond = () =>
      fetch(responseUrl, { method: 'POST', body: JSON.stringify({ text: 'done', response_type: 'in_channel' }) });
    expect([(await respond()).status, (await respond()).status]).toEqual([500, 200]);
    expect(slack.responses).toMatchObject([{ status: 200, body: { text: 'done' }, channelId: 'C_HELPDESK' }]);
    expect(slack.messages('C_HELPDESK').at(-1)).toMatchObject({ kind: 'message', text: 'done' });
  });

  it('keeps two fakes apart', async () => {
    const [one, two] = await Promise.all([fake(), fake()]);
    if (!one || !two) throw new Error('unreachable');
    expect(one.botToken).not.toBe(two.botToken);
    expect(await slackError(client(one, two.botToken).auth.test())).toBe('invalid_auth');
    await client(one).chat.postMessage({ channel: 'C_HELPDESK', text: 'one' });
    expect(two.messages('C_HELPDESK')).toEqual([]);
    expect(two.calls.filter((call) => call.ok)).toEqual([]);
  });
});

describe('multipart reader', () => {
  it('finds the file part whatever the chunking', () => {
    const boundary = '----fake-boundary';
    const file = Buffer.from(`a\r\n--${boundary.slice(0, 5)} almost a boundary\r\n`);
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="token"\r\n\r\nxoxb\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="body"; filename="Untitled"\r\n`),
      Buffer.from('Content-Type: application/octet-stream\r\n\r\n'),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    for (const size of [1, 2, 3, 7, 64, body.length]) {
      const parts: { name?: string; filename?: string; data: Buffer[] }[] = [];
      const reader = new MultipartReader(boundary, {
        onPart: (headers) => parts.push({ name: headers.name, filename: headers.filename, data: [] }),
        onData: (chunk) => parts.at(-1)?.data.push(Buffer.from(chunk)),
        onPartEnd: () => {},
      });
      for (let at = 0; at < body.length; at += size) reader.write(body.subarray(at, at + size));
      reader.end();
      expect(parts.map((part) => [part.name, part.filename, Buffer.concat(part.data).toString()])).toEqual([
        ['token', undefined, 'xoxb'],
        ['body', 'Untitled', file.toString()],
      ]);
    }
  });
});

/** A tiny Bolt app shaped like the bot: /capture opens a modal, options search, validation errors, buttons. */
function captureApp(slack: FakeSlack, transport: Partial<AppOptions>) {
  const seen: { retryNum?: number; commandTexts: string[] } = { commandTexts: [] };
  const app = new App({
    token: slack.botToken,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    logger: silent,
    ...transport,
  });
  const form = (privateMetadata: string) =>
    modal({
      private_metadata: privateMetadata,
      blocks: [
        ...(modal().blocks as unknown[]),
        {
          type: 'actions',
          block_id: 'tools',
          elements: [{ type: 'button', action_id: 'refresh', text: { type: 'plain_text', text: 'Refresh' } }],
        },
      ],
    });
  app.command('/capture', async ({ ack, body, client, respond, context }) => {
    await ack();
    seen.commandTexts.push(body.text);
    if (context.retryNum !== undefined) seen.retryNum = context.retryNum;
    await client.views.open({ trigger_id: body.trigger_id, view: form(body.channel_id) as never });
    await respond({ text: 'Opening the capture form…' });
  });
  app.options('device_search', async ({ ack, options }) => {
    const devices = ['alice-mbp', 'alice-win', 'bob-mbp'].filter((name) => name.includes(options.value));
    await ack({ options: devices.map((name) => option(name, `dev-${name}`)) });
  });
  app.action<BlockAction<ButtonAction>>('refresh', async ({ ack, body, client }) => {
    await ack();
    const view = body.view as NonNullable<typeof body.view>;
    await client.views.update({ view_id: view.id, hash: view.hash, view: form(view.private_metadata) as never });
  });
  app.view('capture_modal', async ({ ack, view, client }) => {
    const picked = view.state.values.devices?.device_search?.selected_options ?? [];
    if (picked.length === 0) {
      await ack({ response_action: 'update', view: form(view.private_metadata) as never });
      return;
    }
    if (picked.length > 2) {
      await ack({ response_action: 'errors', errors: { devices: 'Pick at most 2 devices' } });
      return;
    }
    await ack();
    const types = (view.state.values.types?.capture_types?.selected_options ?? []).map((o) => o.value).join(',');
    await client.chat.postMessage({
      channel: view.private_metadata,
      text: `Capturing ${types} on ${picked.length} device(s)`,
      blocks: [
        section(`Capturing ${types}`),
        {
          type: 'actions',
          block_id: 'controls',
          elements: [
            { type: 'button', action_id: 'cancel', text: { type: 'plain_text', text: 'Cancel' }, value: 'req-1' },
          ],
        },
      ],
    });
  });
  app.action('cancel', async ({ ack, respond }) => {
    await ack();
    await respond({ replace_original: true, text: 'Cancelled' });
  });
  apps.push(app);
  return { app, seen };
}

/** The whole round trip, identical over HTTP and over the socket. */
async function driveCapture(slack: FakeSlack, user: SlackDriver) {
  const command = await user.slashCommand('start');
  expect(command).toMatchObject({ status: 200, acked: true, body: undefined });
  await slack.waitForCall('views.open');
  const [viewId, open] = [...slack.views][0] ?? [];
  if (!viewId || !open) throw new Error('no modal');
  expect(open).toMatchObject({
    userId: 'U_ALICE',
    view: { callback_id: 'capture_modal', private_metadata: 'C_HELPDESK' },
  });
  await slack.waitFor(() => slack.responses.length > 0);
  expect(slack.responses[0]).toMatchObject({ source: 'command', body: { text: 'Opening the capture form…' } });

  const found = await user.searchOptions(viewId, 'device_search', 'devices', 'alice');
  expect(found.options?.map((o) => o.value)).toEqual(['dev-alice-mbp', 'dev-alice-win']);

  // A button inside the modal: block_actions with the view, then views.update with its hash.
  expect(await user.clickButton({ viewId }, 'refresh')).toMatchObject({ status: 200, acked: true });
  await slack.waitFor(() => open.updates === 1);

  const three = values.multiExternal('devices', 'device_search', ['a', 'b', 'c']);
  const refused = await user.submitView(viewId, three);
  expect(refused).toMatchObject({
    status: 200,
    outcome: 'errors',
    body: { response_action: 'errors', errors: { devices: 'Pick at most 2 devices' } },
  });
  expect(refused.viewError).toBeUndefined();
  // Nothing picked: the bot answers with an updated view; it stays open with a new hash.
  const hash = open.hash;
  expect(await user.submitView(viewId)).toMatchObject({ outcome: 'updated' });
  expect(open).toMatchObject({ open: true, updates: 2 });
  expect(open.hash).not.toBe(hash);

  const two = values.multiExternal('devices', 'device_search', [
    { text: 'alice-mbp', value: 'dev-alice-mbp' },
    'dev-2',
  ]);
  const accepted = await user.submitView(viewId, two);
  expect(accepted).toMatchObject({ status: 200, outcome: 'closed', body: undefined });
  expect(slack.views.size).toBe(0);
  await slack.waitForCall('chat.postMessage');
  // The untouched checkboxes submitted their initial option, as Slack does.
  const [status] = slack.messages('C_HELPDESK') as FakeMessage[];
  if (!status) throw new Error('no status message');
  expect(status.text).toBe('Capturing warp-diag on 2 device(s)');

  const click = await user.clickButton({ channelId: 'C_HELPDESK', ts: status.ts }, 'cancel', 'req-1');
  expect(click).toMatchObject({ status: 200, acked: true });
  await slack.waitFor(() => status.updates === 1);
  expect(status).toMatchObject({ text: 'Cancelled', updates: 1 });
  expect(slack.responses.at(-1)).toMatchObject({ source: 'action', body: { replace_original: true } });
}

describe('Bolt 5 over HTTP, driven by the driver', () => {
  async function startHttp() {
    const slack = await fake();
    const { app, seen } = captureApp(slack, { signingSecret: slack.signingSecret });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    const botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    return { slack, seen, user: slack.driver({ botUrl, userId: 'U_ALICE', channelId: 'C_HELPDESK' }) };
  }

  it('runs command → modal → options → button → errors → update → submit → button, signed like Slack', async () => {
    const { slack, user } = await startHttp();
    await driveCapture(slack, user);
    expect(slack.callsTo('auth.test')).toHaveLength(1); // Bolt checked its token against the fake
  });

  it('is refused by Bolt when stale, wrongly signed or unsigned; resent requests carry retry headers', async () => {
    const { slack, user, seen } = await startHttp();
    expect((await user.slashCommand('old', { stale: true })).status).toBe(401);
    expect((await user.slashCommand('forged', { signature: 'wrong' })).status).toBe(401);
    expect((await user.slashCommand('bare', { signature: 'none' })).status).toBe(401);
    expect(seen.commandTexts).toEqual([]);

    const first = await user.slashCommand('once');
    await slack.waitForCall('views.open');
    const again = await user.resend(first.request, { retryNum: 1, retryReason: 'http_timeout' });
    expect(again.status).toBe(200);
    await slack.waitFor(() => seen.commandTexts.length === 2);
    expect(seen).toMatchObject({ commandTexts: ['once', 'once'], retryNum: 1 });
    // Same trigger twice: Slack would refuse the second modal.
    await slack.waitFor(() => slack.callsTo('views.open').length === 2);
    expect(slack.callsTo('views.open')[1]).toMatchObject({ ok: false, error: 'exchanged_trigger_id' });
  });

  it('refuses a driver aimed off this machine', async () => {
    const slack = await fake();
    expect(() => slack.driver({ botUrl: 'http://example.com/slack/events', userId: 'U_ALICE' })).toThrow(/loopback/);
  });
});

describe('Bolt 5 in Socket Mode, driven over the socket', () => {
  it('connects with the app token, gets hello, and runs the same round trip over envelopes', async () => {
    const slack = await fake();
    const { app } = captureApp(slack, { socketMode: true, appToken: slack.appToken });
    await app.start();
    expect(slack.socketMode.connections).toBe(1);
    expect(slack.socketMode.linksIssued).toBe(1);
    expect(slack.callsTo('apps.connections.open')).toMatchObject([{ ok: true, token: slack.appToken }]);

    await driveCapture(slack, slack.driver({ mode: 'socket', userId: 'U_ALICE', channelId: 'C_HELPDESK' }));
    const types = slack.socketMode.envelopes.map((envelope) => envelope.type);
    expect(types).toEqual(['slash_commands', ...types.slice(1).map(() => 'interactive')]);
    expect(types.length).toBeGreaterThan(5);
    expect(slack.socketMode.acks).toHaveLength(types.length);
  });

  it('asks the bot to reconnect; the bot opens a new link and keeps working', async () => {
    const slack = await fake();
    // A short ping timeout: Bolt waits that long before reconnecting.
    const receiver = new SocketModeReceiver({
      appToken: slack.appToken,
      clientPingTimeout: 200,
      logger: silent,
      installerOptions: { clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } } },
    });
    const { app, seen } = captureApp(slack, { receiver });
    await app.start();
    await slack.socketMode.requestReconnect();
    await slack.waitFor(() => slack.socketMode.linksIssued === 2 && slack.socketMode.connections === 1);
    const user = slack.driver({ mode: 'socket', userId: 'U_ALICE' });
    expect(await user.slashCommand('after reconnect')).toMatchObject({ status: 200, acked: true });
    expect(seen.commandTexts).toEqual(['after reconnect']);
  });

  it('reports a missing ack as a 504 after the ack timeout', async () => {
    const slack = await fake();
    const app = new App({
      token: slack.botToken,
      socketMode: true,
      appToken: slack.appToken,
      clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
      logger: silent,
    });
    app.command('/capture', async () => {}); // never acks
    apps.push(app);
    await app.start();
    const user = slack.driver({ mode: 'socket', userId: 'U_ALICE' });
    expect(await user.slashCommand('', { ackTimeoutMs: 200 })).toMatchObject({ status: 504, acked: false });
  });
});
