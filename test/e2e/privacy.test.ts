import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type FakeFileShare, type FakeMessage, imIdFor, values } from '../../src/fake-slack/index.js';
import { REASON_ACTION, REASON_BLOCK, STATUS_REASON_BLOCK } from '../../src/slack/ui/ids.js';
import { ThrowawayDatabases } from '../postgres.js';
import {
  openModal,
  pickDevices,
  type Stack,
  startAnotherBot,
  startStack,
  visibleText,
  waitForStatus,
} from './stack.js';

/** Privacy by default: a reason on every capture, the device owner told, files that expire. */

let stack: Stack;
const databases = new ThrowawayDatabases();

afterEach(async () => {
  await stack?.close();
});

afterAll(async () => {
  await databases.dropAll();
});

const HOSTILE_REASON = 'INC-4821 <!channel> *urgent* <https://evil.example|click> @here';
const auditLines = () => stack.logs.filter((l) => l.includes('"audit"')).map((l) => JSON.parse(l).audit);

describe('a reason on every capture', () => {
  it('is required by default, shown as plain text in the status message, and kept in the audit', async () => {
    stack = await startStack({ env: { CAPTURE_REASON_REQUIRED: 'true', NOTIFY_DEVICE_OWNER: 'false' } });
    stack.sim.addDevice({ deviceName: 'REASON-1', personEmail: 'alice@example.com', platform: 'windows' });
    const viewId = await openModal(stack);
    const devices = await pickDevices(stack, viewId, ['REASON-1']);

    const refused = await stack.user.submitView(viewId, devices);
    expect(refused.outcome).toBe('errors');
    expect((refused.body as { errors: Record<string, string> }).errors).toEqual({
      [REASON_BLOCK]: "Give a reason or a ticket reference: it is shown to the device's owner and kept in the audit.",
    });
    expect(stack.sim.commands).toHaveLength(0);

    const accepted = await stack.user.submitView(
      viewId,
      values.merge(devices, values.text(REASON_BLOCK, REASON_ACTION, HOSTILE_REASON)),
    );
    expect(accepted.outcome).toBe('closed');
    const status = await waitForStatus(stack);
    const reasonBlock = (status.blocks ?? []).find((b) => b.block_id === STATUS_REASON_BLOCK) as {
      elements: Array<{ type: string; text: string }>;
    };
    // Plain text: Slack shows it as typed and nothing in it mentions, links or formats.
    expect(reasonBlock.elements).toEqual([{ type: 'plain_text', text: `Reason: ${HOSTILE_REASON}`, emoji: false }]);
    expect(JSON.stringify(status.blocks)).not.toContain('"type":"mrkdwn","text":"Reason');
    await stack.bot.idle();
    const start = auditLines().find((a) => a.action === 'start');
    expect(start.reason).toBe(HOSTILE_REASON);

    await stack.user.slashCommand('audit');
    const reply = await stack.slack.waitFor(() => stack.slack.responses.at(-1));
    const shown = JSON.stringify(reply);
    // Inert: no mention, no bold, no link, no @here.
    expect(shown).toContain('reason: “INC-4821 &lt;!channel&gt; ∗urgent∗ &lt;https://evil.example|click&gt; ＠here”');
    expect(shown).not.toContain('<!channel>');

    // The export: a CSV in the requester's DM, with the reviewer's columns.
    await stack.user.slashCommand('audit export');
    const exported = await stack.slack.waitFor(() =>
      stack.slack.messages(imIdFor('U_ALICE')).find((e): e is FakeFileShare => e.kind === 'file'),
    );
    expect(exported.name).toMatch(/^dex-capture-audit-\d{8}\.csv$/);
    const [header, row] = (exported.content?.toString('utf8') ?? '').split('\r\n');
    expect(header).toBe(
      'time_utc,user_id,action,request_id,channel_id,channel_public,devices,device_owners,types,packet_size_bytes,reason,approved_by,outcome',
    );
    expect(row).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z,U_ALICE,start,[A-Z0-9]{6},C_HELPDESK,true,REASON-1,alice@example.com,pcap; warp-diag,160,INC-4821 <!channel> \*urgent\* <https:\/\/evil.example\|click> @here,,started$/,
    );
    const told = await stack.slack.waitFor(() =>
      (stack.slack.responses.at(-1) as { body?: { text?: string } } | undefined)?.body?.text?.includes('CSV')
        ? stack.slack.responses.at(-1)
        : undefined,
    );
    expect(JSON.stringify(told)).toContain(
      'The audit of the last 7 days (1 row) is in your DM with the bot, as a CSV file.',
    );
  });
});

describe('the device owner is told', () => {
  it('by DM, once, with who, what, how long and the reason; never the requester; the audit notes an owner not in Slack', async () => {
    stack = await startStack();
    stack.sim.addDevice({ deviceName: 'BOB-LAPTOP', personEmail: 'bob@example.com', platform: 'macos' });
    stack.sim.addDevice({ deviceName: 'BOB-DESKTOP', personEmail: 'bob@example.com', platform: 'windows' });
    stack.sim.addDevice({ deviceName: 'ALICE-OWN', personEmail: 'alice@example.com', platform: 'linux' });
    stack.sim.addDevice({ deviceName: 'GHOST-PC', personEmail: 'ghost@example.com', platform: 'windows' });
    const viewId = await openModal(stack);
    const devices = await pickDevices(stack, viewId, ['BOB-LAPTOP', 'BOB-DESKTOP', 'ALICE-OWN', 'GHOST-PC']);
    const result = await stack.user.submitView(
      viewId,
      values.merge(devices, values.text(REASON_BLOCK, REASON_ACTION, 'INC-77: VPN drops')),
    );
    expect(result.outcome).toBe('closed');
    await waitForStatus(stack);
    await stack.bot.idle();

    const toBob = stack.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.channel === 'U_BOB');
    expect(toBob).toHaveLength(1);
    const dm = visibleText(toBob[0]?.args as { text?: string; blocks?: unknown });
    expect(dm).toContain('<@U_ALICE> started remote captures on your devices *BOB-LAPTOP*, *BOB-DESKTOP*');
    expect(dm).toContain('The packet capture stops by itself within 5 min');
    expect(dm).toContain('Reason given: INC-77: VPN drops');
    expect(dm).toContain('Questions: ask <@U_ALICE>, or in <#C_HELPDESK>.');
    // The requester is not told about her own device.
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U_ALICE')).toHaveLength(0);
    expect(stack.slack.messages(imIdFor('U_ALICE')).filter((m): m is FakeMessage => m.kind === 'message')).toHaveLength(
      0,
    );

    const notices = auditLines().filter((a) => a.action === 'owner-notice');
    expect(notices.map((a) => a.outcomeDetails).sort((x, y) => String(x.email).localeCompare(String(y.email)))).toEqual(
      [
        { email: 'bob@example.com', told: true },
        { email: 'ghost@example.com', told: false },
      ],
    );
    // Each row answers the reviewer's questions like the start's: where it went, whether public, why.
    for (const notice of notices) {
      expect(notice).toMatchObject({ channelId: 'C_HELPDESK', destinationPublic: true, reason: 'INC-77: VPN drops' });
    }

    // A poll, a restart of delivery: nobody is told twice.
    await stack.bot.poll();
    await stack.bot.idle();
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.ok && c.args.channel === 'U_BOB')).toHaveLength(1);
  });

  it('NOTIFY_DEVICE_OWNER=false sends no DM', async () => {
    stack = await startStack({ env: { NOTIFY_DEVICE_OWNER: 'false' } });
    stack.sim.addDevice({ deviceName: 'BOB-LAPTOP', personEmail: 'bob@example.com', platform: 'macos' });
    const viewId = await openModal(stack);
    await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['BOB-LAPTOP']));
    await waitForStatus(stack);
    await stack.bot.idle();
    expect(stack.slack.callsTo('chat.postMessage').filter((c) => c.args.channel === 'U_BOB')).toHaveLength(0);
  });
});

describe('files that expire (ARTIFACT_RETENTION)', () => {
  it.each(['SQLite', 'PostgreSQL'])(
    'removes each file once it is that old, says so once in its thread, retries a refusal, and a second bot on the same %s database removes nothing twice',
    async (backend) => {
      const databaseUrl = backend === 'PostgreSQL' ? (await databases.create()).url : undefined;
      stack = await startStack({
        env: { ARTIFACT_RETENTION: '45s', NOTIFY_DEVICE_OWNER: 'false' },
        ...(databaseUrl ? { databaseUrl } : {}),
      });
      stack.sim.addDevice({ deviceName: 'KEEP-1', personEmail: 'alice@example.com', platform: 'windows' });
      const viewId = await openModal(stack);
      await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['KEEP-1']));
      const status = await waitForStatus(stack);
      stack.sim.advance(15 * 60_000);
      await stack.bot.poll();
      await stack.bot.idle();
      const thread = () => stack.slack.thread('C_HELPDESK', status.ts);
      const files = () => thread().filter((e): e is FakeFileShare => e.kind === 'file');
      const removedLines = () =>
        thread().filter((e): e is FakeMessage => e.kind === 'message' && /was removed from Slack/.test(e.text ?? ''));
      const deletes = () => stack.slack.callsTo('files.delete');
      expect(files()).toHaveLength(2);
      const digests = () =>
        thread().filter((e): e is FakeMessage => e.kind === 'message' && /What is inside/.test(visibleText(e)));
      const digestReplies = digests().length;
      expect(digestReplies).toBeGreaterThan(0);

      // Not yet 45 s old: nothing is removed.
      await stack.bot.poll();
      await stack.bot.idle();
      expect(deletes()).toHaveLength(0);

      // Old enough; Slack refuses the first removal once.
      stack.slack.failNext('files.delete', { error: 'internal_error' });
      stack.clock.advance(60_000);
      await stack.bot.poll();
      await stack.bot.idle();
      expect(deletes().filter((c) => c.ok)).toHaveLength(1);
      expect(removedLines()).toHaveLength(1);
      expect(removedLines()[0]?.text).toMatch(
        /^🗑️ `KEEP-1-[a-z-]+-\d{8}-\d{4}\.zip` was removed from Slack 45 seconds after it was posted, under this bot's retention policy/,
      );
      expect(removedLines()[0]?.text).toContain('the Cloudflare dashboard (DEX → Remote captures)');

      // The refused one is tried again after its backoff; a second bot on the same database shares the work.
      const second = await startAnotherBot(stack, { ARTIFACT_RETENTION: '45s', NOTIFY_DEVICE_OWNER: 'false' });
      try {
        stack.clock.advance(2 * 60_000);
        second.clock(2 * 60_000 + 60_000);
        await Promise.all([stack.bot.poll(), second.bot.poll()]);
        await Promise.all([stack.bot.idle(), second.bot.idle()]);
        await Promise.all([stack.bot.poll(), second.bot.poll()]);
        await Promise.all([stack.bot.idle(), second.bot.idle()]);
      } finally {
        await second.bot.stop();
      }
      expect(deletes().filter((c) => c.ok)).toHaveLength(2);
      expect(
        new Set(
          deletes()
            .filter((c) => c.ok)
            .map((c) => c.args.file),
        ).size,
      ).toBe(2);
      expect(files().every((f) => f.deleted)).toBe(true);
      expect(removedLines()).toHaveLength(2);
      const card = stack.slack
        .messages('C_HELPDESK')
        .find((m): m is FakeMessage => m.kind === 'message' && m.ts === status.ts);
      expect(visibleText(card as FakeMessage)).toContain(
        'The files were removed from Slack under the retention policy; what was inside them is still in this thread.',
      );
      // The digests stay: figures, not payloads.
      expect(digests()).toHaveLength(digestReplies);
      expect(stack.logs.join('\n')).toMatch(/Slack did not remove a file; will retry/);
      // Each removal is in the audit trail, once (the second bot writes to the same database).
      await stack.user.slashCommand('audit');
      const reply = JSON.stringify(await stack.slack.waitFor(() => stack.slack.responses.at(-1)));
      expect(reply.match(/capture file removed under the retention policy:/g)).toHaveLength(2);
    },
  );

  it('a removal whose answer was lost is not repeated: the file already gone counts as removed, told once', async () => {
    stack = await startStack({ env: { ARTIFACT_RETENTION: '1m', NOTIFY_DEVICE_OWNER: 'false' } });
    stack.sim.addDevice({ deviceName: 'GONE-1', personEmail: 'alice@example.com', platform: 'windows' });
    const viewId = await openModal(stack);
    await stack.user.submitView(
      viewId,
      values.merge(
        await pickDevices(stack, viewId, ['GONE-1']),
        values.checkboxes('capture_types', 'capture_types_select', [{ text: 'WARP diagnostics', value: 'warp-diag' }]),
      ),
    );
    const status = await waitForStatus(stack);
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    // Slack deletes the file but the answer is lost.
    stack.slack.failNext('files.delete', { error: 'internal_error', afterProcessing: true });
    stack.clock.advance(2 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    stack.clock.advance(5 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    const calls = stack.slack.callsTo('files.delete');
    expect(calls.map((c) => c.error ?? 'ok')).toEqual(['internal_error', 'file_not_found']);
    const lines = stack.slack
      .thread('C_HELPDESK', status.ts)
      .filter((e) => e.kind === 'message' && /was removed from Slack 1 minute after/.test(e.text ?? ''));
    expect(lines).toHaveLength(1);
  });

  it('ARTIFACT_DESTINATION=digest: what is inside each capture is told in the thread, no file ever reaches Slack', async () => {
    stack = await startStack({
      env: { ARTIFACT_DESTINATION: 'digest', ARTIFACT_RETENTION: '45s', NOTIFY_DEVICE_OWNER: 'false' },
    });
    stack.sim.addDevice({ deviceName: 'DIGEST-1', personEmail: 'alice@example.com', platform: 'macos' });
    const viewId = await openModal(stack);
    await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['DIGEST-1']));
    const status = await waitForStatus(stack);
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    for (const method of ['files.getUploadURLExternal', 'files.completeUploadExternal', 'upload']) {
      expect(stack.slack.callsTo(method), method).toHaveLength(0);
    }
    const thread = stack.slack.thread('C_HELPDESK', status.ts);
    expect(thread.filter((e) => e.kind === 'file')).toHaveLength(0);
    const digests = thread.filter(
      (e): e is FakeMessage => e.kind === 'message' && /What is inside the (PCAP|WARP)/.test(visibleText(e)),
    );
    expect(digests, JSON.stringify(thread.map((e) => (e.kind === 'message' ? e.text : e.name)))).toHaveLength(2);
    // With no file to carry it, the verdict leads each digest.
    for (const digest of digests) {
      expect((digest.blocks ?? [])[1]).toMatchObject({ type: 'section' });
      expect(digest.text).not.toMatch(/^What is inside/);
    }
    const card = stack.slack
      .messages('C_HELPDESK')
      .find((m): m is FakeMessage => m.kind === 'message' && m.ts === status.ts);
    expect(visibleText(card as FakeMessage)).toContain(
      'What was inside each capture is in this thread; the files stay in Cloudflare (digests only).',
    );
    expect(visibleText(card as FakeMessage)).toMatch(/PCAP ✅ done/);
    // No file reached #helpdesk, but the reviewer still learns the status went to a public channel.
    expect(auditLines().find((a) => a.action === 'start')).toMatchObject({
      channelId: 'C_HELPDESK',
      destinationPublic: true,
    });
    // Nothing to expire.
    stack.clock.advance(10 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    expect(stack.slack.callsTo('files.delete')).toHaveLength(0);
  });

  it('`off` keeps every file', async () => {
    stack = await startStack({ env: { ARTIFACT_RETENTION: 'off', NOTIFY_DEVICE_OWNER: 'false' } });
    stack.sim.addDevice({ deviceName: 'KEEP-2', personEmail: 'alice@example.com', platform: 'windows' });
    const viewId = await openModal(stack);
    await stack.user.submitView(viewId, await pickDevices(stack, viewId, ['KEEP-2']));
    await waitForStatus(stack);
    stack.sim.advance(15 * 60_000);
    await stack.bot.poll();
    await stack.bot.idle();
    stack.clock.advance(365 * 86_400_000);
    await stack.bot.poll();
    await stack.bot.idle();
    expect(stack.slack.callsTo('files.delete')).toHaveLength(0);
  });
});
