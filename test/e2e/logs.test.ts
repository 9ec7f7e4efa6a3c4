import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModal, pickDevices, type Stack, startStack, waitForStatus } from './stack.js';

// One run through the whole flow, faults included, then every log line the bot wrote is read.

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  const s = stack;
  s.sim.addDevice({ deviceName: 'LOGS-1', personEmail: 'logs@example.com', platform: 'windows' });
  const viewId = await openModal(s);
  await s.user.submitView(viewId, await pickDevices(s, viewId, ['LOGS-1']));
  await waitForStatus(s);
  // A refused request, a Cloudflare rate limit and a Slack error along the way.
  await s.as('U_BOB').slashCommand('');
  s.sim.faults.rateLimit({ retryAfterSeconds: 1, endpoint: 'list' });
  s.slack.failNext('chat.update', { status: 500 });
  s.sim.advance(15 * 60_000);
  await s.bot.poll();
  await s.bot.poll();
  await s.bot.idle();
  await s.user.slashCommand('quota');
  await s.slack.waitFor(() => s.slack.responses.length === 1);
}, 60_000);

afterAll(async () => {
  await stack.close();
});

describe('logs', () => {
  it('are one JSON object per line', () => {
    expect(stack.logs.length).toBeGreaterThan(5);
    for (const line of stack.logs) expect(() => JSON.parse(line)).not.toThrow();
  });

  it('never contain a token, the signing secret or an Authorization header', () => {
    const secrets = [stack.slack.botToken, stack.slack.signingSecret, stack.slack.appToken, stack.sim.token];
    for (const line of stack.logs) {
      for (const secret of secrets) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/xox[abp]-[A-Za-z0-9]/);
      expect(line).not.toMatch(/Bearer [A-Za-z0-9]/i);
    }
  });

  it('give each Slack interaction a request id carried by every line it causes', () => {
    const handled = stack.logs.map((l) => JSON.parse(l)).filter((l) => l.msg === 'slack interaction handled');
    expect(handled.length).toBeGreaterThanOrEqual(4);
    for (const line of handled) expect(line.requestId).toMatch(/^[0-9a-f]{8}$/);
    expect(new Set(handled.map((l) => l.requestId)).size).toBe(handled.length);
    const denied = stack.logs.map((l) => JSON.parse(l)).find((l) => l.audit?.action === 'denied');
    expect(denied?.requestId).toMatch(/^[0-9a-f]{8}$/);
    expect(denied?.user).toBe('U_BOB');
  });
});
