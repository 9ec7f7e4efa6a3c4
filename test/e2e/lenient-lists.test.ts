import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openModal, pickDevices, type Stack, startStack, waitForStatus } from './stack.js';

// Cloudflare list pages with items a strict reader would choke on, through the whole bot: the capture is still
// found and followed to the end, and each skipped item is counted and logged.

let stack: Stack;
let metrics = '';

beforeAll(async () => {
  stack = await startStack();
  const s = stack;
  s.sim.addDevice({ deviceName: 'LENIENT-LAPTOP', personEmail: 'lenient@example.com', platform: 'macos' });
  s.sim.faults.malformedListItems({
    kinds: ['no-id', 'wrong-type', 'space-date', 'offset-0000'],
    times: Number.POSITIVE_INFINITY,
  });
  const viewId = await openModal(s);
  const result = await s.user.submitView(viewId, await pickDevices(s, viewId, ['LENIENT-LAPTOP']));
  expect(result.outcome).toBe('closed');
  await s.slack.waitFor(() => s.sim.commands.length === 2);
  await waitForStatus(s);
  s.sim.advance(15 * 60_000);
  await s.bot.poll();
  await s.bot.idle();
  metrics = await (await fetch(`http://127.0.0.1:${s.port}/metrics`)).text();
}, 60_000);

afterAll(async () => {
  await stack.close();
});

const counter = (name: string, labels: string) =>
  Number(new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, 'm').exec(metrics)?.[1] ?? Number.NaN);

describe('list pages with malformed items', () => {
  it('still find and follow the capture to the end', () => {
    expect(stack.sim.commands.map((c) => c.status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect(counter('dex_capture_commands_finished_total', 'state="SUCCESS"')).toBe(2);
  });

  it('count each skipped item by endpoint', () => {
    expect(counter('dex_capture_dex_items_skipped_total', 'endpoint="devices"')).toBeGreaterThanOrEqual(2);
    expect(counter('dex_capture_dex_items_skipped_total', 'endpoint="list"')).toBeGreaterThanOrEqual(2);
  });

  it('log each skipped item with where and why, never its values', () => {
    const skipped = stack.logs.map((line) => JSON.parse(line)).filter((l) => l.msg === 'Cloudflare list item skipped');
    expect(skipped.length).toBe(
      counter('dex_capture_dex_items_skipped_total', 'endpoint="devices"') +
        counter('dex_capture_dex_items_skipped_total', 'endpoint="list"'),
    );
    for (const line of skipped) {
      expect(line).toMatchObject({ level: 'warn', endpoint: expect.stringMatching(/^(list|devices)$/) });
      expect(line.index).toEqual(expect.any(Number));
      expect([
        'id: missing',
        'id: expected a string, got number',
        'deviceId: missing',
        'deviceId: expected a string, got number',
      ]).toContain(line.problem);
    }
    expect(JSON.stringify(skipped)).not.toMatch(/4242|bogus@example\.com|SIM-BOGUS/);
  });
});
