import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, startStack } from './stack.js';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack.close();
});

describe('requests into the bot', () => {
  const now = () => Math.floor(Date.now() / 1000);

  it('answers a request signed as Slack signs it', async () => {
    expect((await stack.user.slashCommand('help')).status).toBe(200);
  });

  it.each([
    ['signed more than 5 minutes in the future', { timestamp: now() + 6 * 60 }],
    ['signed more than 5 minutes ago', { timestamp: now() - 6 * 60 }],
    ['not signed', { signature: 'none' as const }],
    ['signed with the wrong secret', { signature: 'wrong' as const }],
  ])('refuses one %s, and does nothing', async (_, options) => {
    const answer = await stack.user.slashCommand('quota', options);
    expect(answer.status).toBe(401);
    expect(stack.slack.responses).toHaveLength(0);
  });

  it('serves /healthz without a signature', async () => {
    const url = new URL(stack.botUrl);
    const response = await fetch(`${url.origin}/healthz`);
    expect(response.status).toBe(200);
  });
});
