import Database from 'better-sqlite3';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import type { FakeMessage } from '../../src/fake-slack/index.js';
import { slackSignature } from '../../src/fake-slack/index.js';
import { DEVICES_ACTION, DEVICES_BLOCK, RUN_AGAIN_ACTION } from '../../src/slack/ui/ids.js';
import { openModal, pickDevices, type Stack, type StackOptions, startStack } from './stack.js';

/**
 * The token's 1200 Cloudflare calls per 5 minutes are shared with the dashboard, and Slack waits 3 s for an answer:
 * no member can spend the budget with a burst, and no slow dependency leaves a person without an answer.
 */

let stack: Stack;

afterEach(async () => {
  await stack?.close();
});

async function start(options: StackOptions = {}) {
  stack = await startStack(options);
  return stack;
}

const calls = (endpoint: string) => stack.sim.requests.filter((r) => r.endpoint === endpoint).length;
const textOf = (body: unknown) => JSON.stringify(body);

/** The same signed request, byte for byte, sent again (as an attacker replaying it inside the 5-minute window). */
async function replay(body: string, times: number) {
  const timestamp = Math.floor(Date.now() / 1000);
  const signature = slackSignature(stack.slack.signingSecret, timestamp, body);
  const answers = [];
  for (let i = 0; i < times; i++) {
    const response = await request(stack.botUrl, {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature,
      },
    });
    answers.push(response.statusCode);
    await response.body.dump();
  }
  return answers;
}

describe('the shared Cloudflare budget', () => {
  it('300 `/capture quota` from one member cost at most one Cloudflare call, and each gets its answer', async () => {
    await start();
    const before = calls('quota');
    const bob = stack.as('U_BOB');
    for (let burst = 0; burst < 15; burst++) {
      await Promise.all(Array.from({ length: 20 }, () => bob.slashCommand('quota')));
    }
    await stack.slack.waitFor(() => stack.slack.responses.length >= 300, 20_000);
    expect(calls('quota') - before).toBeLessThanOrEqual(1);
    expect(stack.slack.responses.filter((r) => /captures left today/.test(textOf(r.body)))).toHaveLength(300);
  });

  it('one signed request replayed 20 times costs one Cloudflare call', async () => {
    await start();
    const body = new URLSearchParams({
      token: 'x',
      team_id: stack.slack.teamId,
      channel_id: 'C_HELPDESK',
      user_id: 'U_BOB',
      command: '/capture',
      text: 'quota',
      api_app_id: stack.slack.appId,
      response_url: stack.slack.issueResponseUrl('C_HELPDESK', 'U_BOB'),
      trigger_id: stack.slack.issueTrigger('U_BOB'),
    }).toString();
    const before = calls('quota');
    expect(await replay(body, 20)).toEqual(Array(20).fill(200));
    await stack.slack.waitFor(() => stack.slack.responses.length >= 20);
    expect(calls('quota') - before).toBeLessThanOrEqual(1);
  });

  it('a burst of distinct device searches from one person is bounded, with a friendly answer past it', async () => {
    await start({ env: { CAPTURE_ALLOWED_USERS: 'U_ADMIN' } });
    const viewId = await openModal(stack);
    const before = calls('devices');
    const answers = [];
    for (let i = 0; i < 35; i++) {
      answers.push(await stack.user.searchOptions(viewId, DEVICES_ACTION, DEVICES_BLOCK, `laptop-${i}`));
    }
    expect(calls('devices') - before).toBe(30);
    expect(textOf(answers[34])).toMatch(/Too many searches just now\. Type again in \d+ s\./);
    // Someone else is not held back by it.
    const admin = stack.as('U_ADMIN');
    const adminView = await openModal({ slack: stack.slack, user: admin });
    const other = await admin.searchOptions(adminView, DEVICES_ACTION, DEVICES_BLOCK, 'laptop-99');
    expect(textOf(other)).not.toMatch(/Too many/);
    expect(calls('devices') - before).toBe(31);
  });
});

describe('an answer within Slack’s 3 s, whatever a dependency does', () => {
  it('users.info failing: an admin’s `/capture` is answered in time, privately, saying the right could not be checked', async () => {
    await start({ allowedUsergroups: '' });
    stack.slack.failNext('users.info', { status: 500, times: 50 });
    const started = Date.now();
    const answer = await stack.as('U_ADMIN').slashCommand('');
    const elapsed = Date.now() - started;
    expect(answer.status).toBe(200);
    // Slack's contract is 3 s; a generous margin under it still proves the budget.
    expect(elapsed).toBeLessThan(2_800);
    expect(textOf(answer.body)).toMatch(/Slack could not confirm that you may start captures just now/);
    expect(textOf(answer.body)).toMatch(/ephemeral/);
    expect(stack.slack.callsTo('views.open')).toHaveLength(0);
  });

  it('an error inside a listener still gets an answer, with a reference that is in the log line too', async () => {
    await start();
    stack.sim.addDevice({ deviceName: 'DAMAGED-1', personEmail: 'damaged@example.com', platform: 'linux' });
    const viewId = await openModal(stack);
    await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['DAMAGED-1']));
    const status = await stack.slack.waitFor(() =>
      stack.slack.messages('C_HELPDESK').find((m): m is FakeMessage => m.kind === 'message'),
    );
    await stack.bot.idle();
    // The request's row is damaged behind the bot's back: reading it throws.
    const file = stack.databaseUrl.slice('sqlite:'.length);
    const database = new Database(file);
    database.prepare(`UPDATE capture_requests SET devices = 'not json'`).run();
    database.close();

    const click = await stack.user.clickButton({ channelId: 'C_HELPDESK', ts: status.ts }, RUN_AGAIN_ACTION);
    expect(click.status).toBe(200);
    const told = await stack.slack.waitFor(() => stack.slack.responses.find((r) => r.url === click.responseUrl));
    const reference = /reference `([A-Za-z0-9-]+)`/.exec(textOf(told.body))?.[1];
    expect(reference).toBeDefined();
    expect(textOf(told.body)).not.toMatch(/SyntaxError|JSON|at .*\.js/);
    expect(stack.logs.some((l) => l.includes('a Slack interaction failed') && l.includes(reference as string))).toBe(
      true,
    );
  });
});
