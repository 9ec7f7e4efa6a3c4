import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FakeFileShare, FakeMessage } from '../../src/fake-slack/index.js';
import { openModal, pickDevices, type Stack, startStack, visibleText } from './stack.js';

/**
 * A create whose answer is lost or garbled may still have started captures: the bot records that it sent it, looks
 * in Cloudflare's list, and never says "nothing was started" while captures run, nor takes another request's
 * captures for its own.
 */

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
});

afterEach(async () => {
  await stack.close();
});

const statuses = () =>
  stack.slack.messages('C_HELPDESK').filter((m): m is FakeMessage => m.kind === 'message' && !m.deleted);
const filesIn = (message: FakeMessage) =>
  stack.slack.thread(message.channel, message.ts).filter((e): e is FakeFileShare => e.kind === 'file');
const creates = () => stack.sim.requests.filter((r) => r.endpoint === 'create');

async function submit(name: string) {
  const viewId = await openModal(stack);
  expect((await stack.user.submitView(viewId, await pickDevices(stack, viewId, [name]))).outcome).toBe('closed');
}

/** Lets the confirmations run out: each is due a little later than the one before (about 4 minutes in all). */
async function pollThroughConfirmations() {
  for (let i = 0; i < 6; i++) {
    stack.clock.advance(4 * 60_000);
    await stack.bot.poll();
  }
}

describe('a create whose outcome is unknown', () => {
  it('answered 200 with a cut-off body: confirmed from the list, the captures run and their files arrive', async () => {
    stack.sim.addDevice({ deviceName: 'GARBLED-1', personEmail: 'garbled@example.com', platform: 'linux' });
    stack.sim.faults.malformedJson({ endpoint: 'create' });
    await submit('GARBLED-1');
    await stack.slack.waitFor(() => creates().length === 1 && stack.sim.commands.length === 2);
    await stack.bot.idle();
    const [running] = statuses();
    expect(visibleText(running as FakeMessage)).toMatch(/PCAP ⏳ running/);
    expect(visibleText(running as FakeMessage)).not.toMatch(/Nothing was started/);

    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    const [finished] = statuses();
    expect(visibleText(finished as FakeMessage)).toMatch(/Finished — 2 of 2 done/);
    expect(filesIn(finished as FakeMessage)).toHaveLength(2);
    expect(creates()).toHaveLength(1);
  });

  it('confirmed only once the captures had already finished: their files still arrive', async () => {
    stack.sim.addDevice({ deviceName: 'LATE-1', personEmail: 'late@example.com', platform: 'linux' });
    stack.sim.faults.malformedJson({ endpoint: 'create' });
    // The first look at the list fails (a GET is retried three times), so the confirmation waits for the next try.
    stack.sim.faults.serverError({ status: 503, endpoint: 'list', times: 4 });
    await submit('LATE-1');
    await stack.slack.waitFor(() => creates().length === 1 && stack.sim.commands.length === 2);
    await stack.bot.idle();
    expect(visibleText(statuses()[0] as FakeMessage)).toMatch(/Starting — confirming with Cloudflare/);

    // By the next look the captures are done: they are taken in with their final status, and relayed.
    stack.sim.advance(15 * 60_000);
    stack.clock.advance(10_000);
    await stack.bot.poll();
    await stack.bot.idle();
    await stack.bot.poll();
    await stack.bot.idle();
    const [status] = statuses();
    expect(visibleText(status as FakeMessage)).toMatch(/Finished — 2 of 2 done/);
    expect(filesIn(status as FakeMessage)).toHaveLength(2);
  });

  it('answered with a Cloudflare 5xx: not "refused"; after looking, it says Cloudflare had an error and to try again', async () => {
    stack.sim.addDevice({ deviceName: 'ERR-1', personEmail: 'err@example.com', platform: 'linux' });
    stack.sim.faults.serverError({ status: 502, endpoint: 'create' });
    await submit('ERR-1');
    await stack.slack.waitFor(() => creates().length === 1);
    await stack.bot.idle();
    expect(visibleText(statuses()[0] as FakeMessage)).toMatch(/Starting — confirming with Cloudflare/);

    await pollThroughConfirmations();
    const text = visibleText(statuses()[0] as FakeMessage);
    expect(text).toMatch(/Could not start/);
    expect(text).toMatch(
      /Cloudflare had an error, and none of these captures appears in its list, so none are running/,
    );
    expect(text).not.toMatch(/refused/i);
    expect(creates()).toHaveLength(1);
  });

  it('a proxy page that echoes the request headers, token included, never reaches a person or the log', async () => {
    stack.sim.addDevice({ deviceName: 'PROXY-1', personEmail: 'proxy@example.com', platform: 'linux' });
    stack.sim.faults.garbledResponse({
      endpoint: 'create',
      status: 502,
      body: 'html',
      when: 'before-processing',
      echoHeaders: true,
    });
    await submit('PROXY-1');
    await stack.slack.waitFor(() => creates().length === 1);
    await stack.bot.idle();
    await pollThroughConfirmations();
    const text = visibleText(statuses()[0] as FakeMessage);
    expect(text).toMatch(/Cloudflare had an error, and none of these captures appears in its list/);
    // Booleans, so that a failure never prints the token it found.
    const everythingPeopleSaw = JSON.stringify(stack.slack.calls.map((c) => c.args)).toLowerCase();
    const leaks = ['the API token', 'Bearer', 'authorization', 'html', 'Bad Gateway'].filter((label) =>
      everythingPeopleSaw.includes((label === 'the API token' ? stack.sim.token : label).toLowerCase()),
    );
    expect(leaks).toEqual([]);
    expect(
      stack.logs.some((line) => line.includes(stack.sim.token)),
      'the API token is in the log',
    ).toBe(false);
  });

  it("lost on the way: another request's captures of the same device are never taken for its own", async () => {
    stack.sim.addDevice({ deviceName: 'SHARED-1', personEmail: 'shared@example.com', platform: 'linux' });
    await submit('SHARED-1');
    await stack.slack.waitFor(() => stack.sim.commands.length === 2);
    await stack.bot.idle();

    // A minute later, the same device again; the connection drops before Cloudflare takes the create.
    stack.clock.advance(60_000);
    stack.sim.faults.dropConnection({ when: 'before-processing', endpoint: 'create' });
    await submit('SHARED-1');
    await stack.slack.waitFor(() => creates().length === 2);
    await stack.bot.idle();
    await pollThroughConfirmations();

    const [first, second] = statuses();
    expect(stack.sim.commands).toHaveLength(2);
    expect(visibleText(second as FakeMessage)).toMatch(
      /answer was lost on the way, and none of these captures appears in its list, so none are running/,
    );
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    expect(visibleText(first as FakeMessage)).toMatch(/Finished — 2 of 2 done/);
    expect(filesIn(first as FakeMessage)).toHaveLength(2);
    expect(filesIn(second as FakeMessage)).toHaveLength(0);
    // Each confirmation is one walk of the list, not one every second.
    expect(stack.sim.requests.filter((r) => r.endpoint === 'list').length).toBeLessThan(20);
  });
});
