import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { warpDiag } from '../../src/capture-types/warp-diag.js';
import { type FakeFileShare, type FakeMessage, values } from '../../src/fake-slack/index.js';
import { TYPES_ACTION, TYPES_BLOCK } from '../../src/slack/ui/ids.js';
import {
  openModal,
  pickDevices,
  type Stack,
  startStack,
  statusMessageIn,
  visibleText,
  waitForStatus,
} from './stack.js';

/** What is inside a file, as a helpdesk agent reads it in the thread: a WARP client that is broken. */

let stack: Stack;

beforeEach(async () => {
  stack = await startStack();
  stack.sim.addDevice({
    deviceName: 'BROKEN-LAPTOP',
    personEmail: 'bea@example.com',
    platform: 'windows',
    warpClient: 'broken',
  });
});

afterEach(async () => {
  await stack.close();
});

describe('the digest in the thread', () => {
  it("a broken WARP client: the file leads with its state and error, the figures and Cloudflare's analysis follow, the status line says it", async () => {
    const viewId = await openModal(stack);
    const result = await stack.user.submitView(
      viewId,
      values.merge(
        await pickDevices(stack, viewId, ['BROKEN-LAPTOP']),
        values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: warpDiag.label, value: 'warp-diag' }]),
      ),
    );
    expect(result.outcome).toBe('closed');
    await waitForStatus(stack);
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();

    const status = statusMessageIn(stack);
    const thread = stack.slack.thread('C_HELPDESK', status.ts);
    const [file] = thread.filter((entry): entry is FakeFileShare => entry.kind === 'file');
    const verdict = file?.comment?.split('\n') ?? [];
    // The verdict first: the connection state, then the latest client error with what it means.
    // e.g. "WARP is disconnected: CF_TLS_INTERCEPTION_BLOCKING_DOH." (the simulator picks one of four ways to be
    // broken from the command id: disconnected or stuck connecting, each with its reason)
    expect(verdict[0]).toMatch(/^WARP is (disconnected|connecting): CF_[A-Z_]+\.$/);
    expect(verdict.some((line) => /^CF_[A-Z_]+ \d+ times?(, last at .+ UTC)?: \S/.test(line))).toBe(true);
    // The title names the device; the comment does not repeat it.
    expect(file?.title).toBe('WARP diagnostics · BROKEN-LAPTOP');
    expect(file?.comment).not.toContain('BROKEN-LAPTOP');

    // The figures in one reply after it, as blocks.
    const replies = thread.filter((entry): entry is FakeMessage => entry.kind === 'message');
    const figures = replies.find((m) => JSON.stringify(m.blocks ?? []).includes('Client errors in the logs'));
    const shown = JSON.stringify(figures?.blocks);
    expect(shown).toContain('What is inside the WARP diagnostics file from BROKEN-LAPTOP');
    expect(shown).toMatch(/\*Client\*/);
    expect(shown).toMatch(/CF_[A-Z_]+: \d+ times?/);
    // The simulator's analysis route answers for a broken client: its detections are shown.
    expect(shown).toContain("*Cloudflare's analyzer*");
    expect(stack.sim.requests.some((r) => r.endpoint === 'analysis')).toBe(true);

    // The status line carries the verdict's first line.
    expect(visibleText(status)).toMatch(/WARP diagnostics ✅ done: WARP is (disconnected|connecting): CF_/);
  });
});
