import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type AppOptions, webApi } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, imIdFor, type SlackDriver, startFakeSlack } from '../../src/fake-slack/index.js';
import { whenTestFinishes } from '../cleanup.js';
import { silent } from './silent-logger.js';

// The ways into an app besides slash commands: the Home tab (event + views.publish) and both kinds of shortcut.

const apps: App[] = [];

afterEach(async () => {
  // Bolt apps first: a Socket Mode client whose server vanishes tries to reconnect.
  await Promise.all(apps.splice(0).map((app) => app.stop()));
});

async function fake(): Promise<FakeSlack> {
  const slack = await startFakeSlack();
  whenTestFinishes(() => slack.close());
  return slack;
}

const client = (slack: FakeSlack) =>
  new webApi.WebClient(slack.botToken, { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 }, logger: silent });

async function slackError(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    if (error instanceof webApi.WebAPIPlatformError) return error.data.error;
    throw error;
  }
  return 'no error';
}

const text = (value: string) => ({ type: 'plain_text' as const, text: value });
const section = (value: string) => ({ type: 'section', text: { type: 'mrkdwn', text: value } });
const button = (actionId: string, value?: string) => ({
  type: 'button',
  action_id: actionId,
  text: text(actionId),
  ...(value !== undefined && { value }),
});
const home = (overrides: Record<string, unknown> = {}) => ({
  type: 'home',
  callback_id: 'home',
  blocks: [section('Your captures'), { type: 'actions', block_id: 'home_tools', elements: [button('new_capture')] }],
  ...overrides,
});
const modal = (callbackId: string) => ({
  type: 'modal' as const,
  callback_id: callbackId,
  title: text('Start a capture'),
  blocks: [section('Pick devices')],
});

describe('views.publish', () => {
  it('stores a home view per user, answers it with id and hash, and refuses a stale hash', async () => {
    const slack = await fake();
    const web = client(slack);
    expect(slack.homeView('U_ALICE')).toBeUndefined();
    const first = await web.views.publish({ user_id: 'U_ALICE', view: home() as never });
    expect(first.view).toMatchObject({ type: 'home', callback_id: 'home', team_id: slack.teamId });
    const { id, hash } = first.view as { id: string; hash: string };
    expect(slack.homeView('U_ALICE')).toMatchObject({ id, hash, type: 'home' });
    expect(slack.homeView('U_BOB')).toBeUndefined();

    const second = await web.views.publish({ user_id: 'U_ALICE', hash, view: home({ callback_id: 'v2' }) as never });
    expect(second.view).toMatchObject({ id, callback_id: 'v2' }); // one home view per user: same id
    expect(second.view?.hash).not.toBe(hash);
    expect(await slackError(web.views.publish({ user_id: 'U_ALICE', hash, view: home() as never }))).toBe(
      'hash_conflict',
    );
    expect(slack.homeView('U_ALICE')).toMatchObject({ callback_id: 'v2' });
    expect(slack.callsTo('views.publish').map((call) => call.ok)).toEqual([true, true, false]);
  });

  it('refuses what Slack refuses: unknown users, modals, and views over the limits', async () => {
    const slack = await fake();
    const web = client(slack);
    const publish = (view: unknown, userId = 'U_ALICE') =>
      slackError(web.views.publish({ user_id: userId, view: view as never }));
    expect(await publish(home(), 'U_NOBODY')).toBe('user_not_found');
    expect(await publish(modal('m'))).toBe('invalid_arguments');
    expect(await publish(home({ blocks: Array.from({ length: 101 }, (_, i) => section(`b${i}`)) }))).toBe(
      'invalid_arguments',
    );
    expect(await publish(home({ private_metadata: 'x'.repeat(3001) }))).toBe('invalid_arguments');
    expect(await publish(home({ callback_id: 'c'.repeat(256) }))).toBe('invalid_arguments');
    expect(await publish(home({ blocks: [section('x'.repeat(3001))] }))).toBe('invalid_blocks');
    expect(slack.homeView('U_ALICE')).toBeUndefined();
    // No title, submit or close: a home view needs none.
    expect(await publish(home({ blocks: Array.from({ length: 100 }, (_, i) => section(`b${i}`)) }))).toBe('no error');
  });
});

/** A Bolt app with a Home tab, a button in it, a global and a message shortcut: each opens a modal. */
function homeApp(slack: FakeSlack, transport: Partial<AppOptions>) {
  const seen: { events: Record<string, unknown>[]; bodies: Record<string, unknown>[] } = { events: [], bodies: [] };
  const app = new App({
    token: slack.botToken,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    logger: silent,
    ...transport,
  });
  app.event('app_home_opened', async ({ event, client }) => {
    seen.events.push(event as never);
    await client.views.publish({ user_id: event.user, view: home() as never });
  });
  app.action('new_capture', async ({ ack, body, client }) => {
    await ack();
    seen.bodies.push(body as never);
    await client.views.open({ trigger_id: (body as { trigger_id: string }).trigger_id, view: modal('from_home') });
  });
  app.shortcut('start_capture', async ({ ack, shortcut, client }) => {
    await ack();
    seen.bodies.push(shortcut as never);
    await client.views.open({ trigger_id: shortcut.trigger_id, view: modal('from_shortcut') });
  });
  app.shortcut('capture_from_message', async ({ ack, shortcut, client, respond }) => {
    await ack();
    seen.bodies.push(shortcut as never);
    await client.views.open({ trigger_id: shortcut.trigger_id, view: modal('from_message') });
    await respond({ text: 'Opening the capture form…' });
  });
  apps.push(app);
  return { app, seen };
}

/** The same round trip over HTTP and over the socket. */
async function driveHome(slack: FakeSlack, alice: SlackDriver, seen: ReturnType<typeof homeApp>['seen']) {
  expect(await alice.openAppHome()).toMatchObject({ status: 200, acked: true, body: undefined });
  await slack.waitForCall('views.publish');
  expect(seen.events[0]).toEqual({
    type: 'app_home_opened',
    user: 'U_ALICE',
    channel: imIdFor('U_ALICE'),
    tab: 'home',
    event_ts: expect.stringMatching(/^\d+\.\d{6}$/),
  });
  const published = slack.homeView('U_ALICE');
  if (!published) throw new Error('no home view');

  // Opened again: the event carries the published view.
  await alice.openAppHome();
  await slack.waitForCall('views.publish', { n: 2 });
  expect(seen.events[1]?.view).toMatchObject({ id: published.id, type: 'home', callback_id: 'home' });

  const click = await alice.clickButton({ homeOf: 'U_ALICE' }, 'new_capture');
  expect(click).toMatchObject({ status: 200, acked: true });
  expect(click.responseUrl).toBeUndefined();
  const fromHome = await slack.waitFor(() => slack.viewOpenedWith(click.triggerId));
  expect(fromHome.view.callback_id).toBe('from_home');
  expect(seen.bodies[0]).toMatchObject({
    type: 'block_actions',
    container: { type: 'view', view_id: published.id },
    view: { id: published.id, type: 'home' },
    actions: [{ action_id: 'new_capture', block_id: 'home_tools' }],
  });
  expect(seen.bodies[0]).not.toHaveProperty('response_url');
  await expect(alice.clickButton({ homeOf: 'U_BOB' }, 'new_capture')).rejects.toThrow(/Home tab of U_BOB/);

  const global = await alice.globalShortcut('start_capture');
  expect(global).toMatchObject({ status: 200, acked: true });
  expect((await slack.waitFor(() => slack.viewOpenedWith(global.triggerId))).view.callback_id).toBe('from_shortcut');
  expect(seen.bodies[1]).toMatchObject({
    type: 'shortcut',
    callback_id: 'start_capture',
    trigger_id: global.triggerId,
    user: { id: 'U_ALICE', username: 'alice', team_id: slack.teamId },
    team: { id: slack.teamId },
    is_enterprise_install: false,
    enterprise: null,
  });

  const typed = slack.postAs('U_BOB', 'C_HELPDESK', 'my VPN drops every 5 minutes');
  const onMessage = await alice.messageShortcut('capture_from_message', { channelId: 'C_HELPDESK', ts: typed.ts });
  expect(onMessage).toMatchObject({ status: 200, acked: true });
  expect((await slack.waitFor(() => slack.viewOpenedWith(onMessage.triggerId))).view.callback_id).toBe('from_message');
  expect(seen.bodies[2]).toMatchObject({
    type: 'message_action',
    callback_id: 'capture_from_message',
    response_url: onMessage.responseUrl,
    channel: { id: 'C_HELPDESK', name: 'helpdesk' },
    message_ts: typed.ts,
    message: { type: 'message', user: 'U_BOB', ts: typed.ts, text: 'my VPN drops every 5 minutes' },
    user: { id: 'U_ALICE' },
  });
  expect((seen.bodies[2] as { message: object }).message).not.toHaveProperty('bot_id');
  await slack.waitFor(() => slack.ephemerals('U_ALICE').length > 0);
  expect(slack.responses.at(-1)).toMatchObject({ source: 'shortcut', channelId: 'C_HELPDESK' });
  expect(slack.ephemerals('U_ALICE')[0]).toMatchObject({ channel: 'C_HELPDESK', text: 'Opening the capture form…' });
  await expect(
    alice.messageShortcut('capture_from_message', { channelId: 'C_HELPDESK', ts: '1.000100' }),
  ).rejects.toThrow(/message_not_found/);
}

describe('Home tab and shortcuts into a real Bolt app', () => {
  it('over HTTP: app_home_opened as a signed JSON event_callback, shortcuts as interactions', async () => {
    const slack = await fake();
    const { app, seen } = homeApp(slack, { signingSecret: slack.signingSecret });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
    const botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
    const alice = slack.driver({ botUrl, userId: 'U_ALICE' });

    const forged = await alice.openAppHome({ signature: 'wrong' });
    expect(forged.status).toBe(401);
    expect(forged.request).toMatchObject({ transport: 'http', headers: { 'content-type': 'application/json' } });
    const body = JSON.parse((forged.request as { body: string }).body);
    expect(body).toMatchObject({
      type: 'event_callback',
      team_id: slack.teamId,
      api_app_id: slack.appId,
      event: { type: 'app_home_opened' },
      event_id: expect.stringMatching(/^Ev/),
      authorizations: [{ team_id: slack.teamId, user_id: slack.botUserId, is_bot: true }],
    });
    expect(typeof body.event_time).toBe('number');
    expect(seen.events).toEqual([]);

    await driveHome(slack, alice, seen);
  });

  it('over Socket Mode: the event in an events_api envelope', async () => {
    const slack = await fake();
    const { app, seen } = homeApp(slack, { socketMode: true, appToken: slack.appToken });
    await app.start();
    await driveHome(slack, slack.driver({ mode: 'socket', userId: 'U_ALICE' }), seen);
    const [first] = slack.socketMode.envelopes;
    expect(first).toMatchObject({
      type: 'events_api',
      accepts_response_payload: false,
      payload: { type: 'event_callback', event: { type: 'app_home_opened', user: 'U_ALICE' } },
    });
  });
});
