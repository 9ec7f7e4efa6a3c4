import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, type AppOptions } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { type FakeSlack, type SlackDriver, startFakeSlack } from '../../src/fake-slack/index.js';
import { whenTestFinishes } from '../cleanup.js';
import { silent } from './silent-logger.js';

// Buttons in messages only the user sees: a slash command's ack, a respond(), a chat.postEphemeral.

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

const text = (value: string) => ({ type: 'plain_text' as const, text: value });
const prompt = (question: string) => [
  { type: 'section', text: { type: 'mrkdwn', text: question } },
  {
    type: 'actions',
    block_id: 'choice',
    elements: [
      { type: 'button', action_id: 'open_form', text: text('Open the form'), value: 'req-1' },
      { type: 'button', action_id: 'dismiss', text: text('Dismiss') },
    ],
  },
];

/**
 * `/capture` answers in its ack, `/capture respond` through the response_url, `/capture post` with
 * chat.postEphemeral. Open the form: a modal from the trigger, then the ephemeral is replaced. Dismiss: deleted.
 */
function ephemeralApp(slack: FakeSlack, transport: Partial<AppOptions>) {
  const bodies: Record<string, unknown>[] = [];
  const app = new App({
    token: slack.botToken,
    clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } },
    logger: silent,
    ...transport,
  });
  app.command('/capture', async ({ ack, command, respond, client }) => {
    if (command.text === 'respond') {
      await ack();
      await respond({ text: 'Capture?', blocks: prompt('Capture from respond?') });
    } else if (command.text === 'post') {
      await ack();
      await client.chat.postEphemeral({
        channel: command.channel_id,
        user: command.user_id,
        text: 'Capture?',
        blocks: prompt('Capture from postEphemeral?'),
      });
    } else {
      await ack({ response_type: 'ephemeral', text: 'Capture?', blocks: prompt('Capture from the ack?') });
    }
  });
  app.action('open_form', async ({ ack, body, client, respond }) => {
    await ack();
    bodies.push(body as never);
    const triggerId = (body as { trigger_id: string }).trigger_id;
    await client.views.open({
      trigger_id: triggerId,
      view: { type: 'modal', callback_id: 'capture_form', title: text('Capture'), blocks: [] },
    });
    await respond({ replace_original: true, text: 'Form opened' });
  });
  app.action('dismiss', async ({ ack, respond }) => {
    await ack();
    await respond({ delete_original: true });
  });
  apps.push(app);
  return bodies;
}

async function httpDriver(slack: FakeSlack, userId: string) {
  const bodies = ephemeralApp(slack, { signingSecret: slack.signingSecret });
  const server = (await apps.at(-1)?.start({ port: 0, host: '127.0.0.1' })) as Server;
  const botUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events`;
  return { bodies, driver: (id = userId) => slack.driver({ botUrl, userId: id }) };
}

/** Click Open the form in the ephemeral `ts`: the modal opens from the trigger, respond() replaces the ephemeral. */
async function openFormFrom(slack: FakeSlack, alice: SlackDriver, ts: string, bodies: Record<string, unknown>[]) {
  const click = await alice.clickButton({ ephemeral: ts }, 'open_form');
  expect(click).toMatchObject({ status: 200, acked: true, responseUrl: expect.stringContaining('/respond/') });
  const form = await slack.waitFor(() => slack.viewOpenedWith(click.triggerId));
  expect(form).toMatchObject({ userId: 'U_ALICE', view: { callback_id: 'capture_form' } });
  const body = bodies.at(-1);
  expect(body).toMatchObject({
    type: 'block_actions',
    container: { type: 'message', message_ts: ts, channel_id: 'C_HELPDESK', is_ephemeral: true },
    channel: { id: 'C_HELPDESK', name: 'helpdesk' },
    user: { id: 'U_ALICE', username: 'alice' },
    team: { id: slack.teamId },
    trigger_id: click.triggerId,
    response_url: click.responseUrl,
    actions: [{ type: 'button', action_id: 'open_form', block_id: 'choice', value: 'req-1' }],
  });
  expect(body).not.toHaveProperty('message'); // Slack keeps no copy of an ephemeral to send
  const replaced = await slack.waitFor(() => slack.ephemerals('U_ALICE').find((e) => e.ts === ts && e.updates > 0));
  expect(replaced).toMatchObject({ text: 'Form opened', deleted: false });
  expect(slack.responses.at(-1)).toMatchObject({ source: 'action', channelId: 'C_HELPDESK', userId: 'U_ALICE' });
}

describe('clicking a button in an ephemeral message', () => {
  it("the slash command's ack: recorded with a ts, clickable by its user only", async () => {
    const slack = await fake();
    const { bodies, driver } = await httpDriver(slack, 'U_ALICE');
    const alice = driver();

    const command = await alice.slashCommand('');
    expect(command).toMatchObject({ status: 200, body: { response_type: 'ephemeral', text: 'Capture?' } });
    const shown = slack.ephemerals('U_ALICE');
    expect(shown).toMatchObject([
      { ts: command.ephemeralTs, channel: 'C_HELPDESK', user: 'U_ALICE', text: 'Capture?', via: 'command_ack' },
    ]);
    expect(shown[0]?.blocks).toHaveLength(2);
    expect(slack.ephemerals('U_BOB')).toEqual([]);
    const ts = command.ephemeralTs as string;

    await expect(driver('U_BOB').clickButton({ ephemeral: ts }, 'open_form')).rejects.toThrow(
      /U_BOB cannot click the ephemeral .* shown to U_ALICE/,
    );
    await expect(alice.clickButton({ ephemeral: ts }, 'no_such_button')).rejects.toThrow(/no button no_such_button/);
    expect(bodies).toEqual([]);

    await openFormFrom(slack, alice, ts, bodies);
    expect(slack.ephemerals('U_ALICE')).toHaveLength(1); // replaced in place, nothing new
  });

  it('one sent with respond(): replace_original edits it, delete_original removes it', async () => {
    const slack = await fake();
    const { bodies, driver } = await httpDriver(slack, 'U_ALICE');
    const alice = driver();

    const command = await alice.slashCommand('respond');
    expect(command.ephemeralTs).toBeUndefined(); // an empty ack shows nothing
    const sent = await slack.waitFor(() => slack.ephemerals('U_ALICE')[0]);
    expect(sent).toMatchObject({ via: 'response_url', channel: 'C_HELPDESK', text: 'Capture?' });
    await openFormFrom(slack, alice, sent.ts, bodies);

    await alice.slashCommand('respond');
    const second = await slack.waitFor(() => slack.ephemerals('U_ALICE')[1]);
    expect(second.ts > sent.ts).toBe(true); // newest last
    await alice.clickButton({ ephemeral: second.ts }, 'dismiss');
    await slack.waitFor(() => second.deleted);
    await expect(alice.clickButton({ ephemeral: second.ts }, 'dismiss')).rejects.toThrow(/message_not_found/);
  });

  it('one posted with chat.postEphemeral, over Socket Mode', async () => {
    const slack = await fake();
    const bodies = ephemeralApp(slack, { socketMode: true, appToken: slack.appToken });
    await apps.at(-1)?.start();
    const alice = slack.driver({ mode: 'socket', userId: 'U_ALICE' });

    await alice.slashCommand('post');
    const posted = await slack.waitFor(() => slack.ephemerals('U_ALICE')[0]);
    expect(posted).toMatchObject({ via: 'api', user: 'U_ALICE' });
    await openFormFrom(slack, alice, posted.ts, bodies);

    // The ack body over a socket is an ephemeral too.
    const acked = await alice.slashCommand('');
    expect(slack.ephemerals('U_ALICE').at(-1)).toMatchObject({ ts: acked.ephemeralTs, via: 'command_ack' });
    await expect(
      slack.driver({ mode: 'socket', userId: 'U_BOB' }).clickButton({ ephemeral: posted.ts }, 'open_form'),
    ).rejects.toThrow(/cannot click/);
  });
});
