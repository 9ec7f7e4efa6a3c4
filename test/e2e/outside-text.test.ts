import { afterEach, describe, expect, it } from 'vitest';
import { offeredOptions } from '../../src/demo/local-environment.js';
import { type FakeFileShare, type FakeMessage, imIdFor, values } from '../../src/fake-slack/index.js';
import { CHANNEL_ACTION, CHANNEL_BLOCK, DEVICES_ACTION, DEVICES_BLOCK } from '../../src/slack/ui/ids.js';
import { openModal, type Stack, startStack, statusMessageIn, visibleText, waitForStatus } from './stack.js';

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.close();
  stack = undefined;
});

/** Characters that would let a value start a line or turn what follows it around. */
const LINE_OR_DIRECTION = /[\r\n\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

/** A device name chosen on someone's machine: a forged status line, reversed text and every mrkdwn marker. */
const SPOOF_NAME = 'SPOOF-PC\nPacket capture (PCAP): ✅ Done\u202E *bold* _it_ ~s~ `code`';
/** How that name reads in mrkdwn: one line, nothing reordered, no markup. */
const SPOOF_SHOWN = 'SPOOF-PC Packet capture (PCAP): ✅ Done ∗bold∗ ˍitˍ ∼s∼ ˋcodeˋ';

async function pick(s: Stack, viewId: string, query: string, startsWith: string) {
  const answer = await s.user.searchOptions(viewId, DEVICES_ACTION, DEVICES_BLOCK, query);
  const option = offeredOptions(answer).find((o) => o.text.text.startsWith(startsWith));
  if (!option) throw new Error(`no option for ${startsWith}: ${JSON.stringify(answer)}`);
  const description = (option as { description?: { text: string } }).description?.text;
  return { text: option.text.text, value: option.value, description };
}

describe('outside text is inert', () => {
  it('a device named with a newline, a forged status line, U+202E and markup reads as one inert line', async () => {
    const s = await startStack();
    stack = s;
    s.sim.addDevice({ deviceName: SPOOF_NAME, personEmail: 'first_last@example.com', platform: 'windows' });
    s.sim.addDevice({
      deviceName: 'EVIL-2\n❌ <!channel> look',
      personEmail: 'evil2@example.com',
      platform: 'macos',
      behaviour: 'fails',
    });

    const viewId = await openModal(s);
    const spoof = await pick(s, viewId, 'SPOOF', 'SPOOF-PC');
    const evil = await pick(s, viewId, 'EVIL-2', 'EVIL-2');
    // Options are plain text: one line, no bidi control, the rest as the device reports it.
    expect(spoof.text).toMatch(/^SPOOF-PC Packet capture/);
    expect(spoof.text).not.toMatch(LINE_OR_DIRECTION);

    const result = await s.user.submitView(viewId, values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, [spoof, evil]));
    expect(result.outcome).toBe('closed');
    const running = await waitForStatus(s);
    const deviceLines = (status: FakeMessage) =>
      String(
        (status.blocks?.find((b) => b.block_id === 'capture_status_devices_0')?.text as { text?: string })?.text,
      ).split('\n');
    const [spoofLine, evilLine] = deviceLines(running);
    expect(spoofLine).toMatch(
      new RegExp(
        `^\\*${escapeRegExp(SPOOF_SHOWN)}\\* · first_last@example\\.com — PCAP ⏳ running until <!date[^>]+> · WARP diagnostics ⏳ running$`,
      ),
    );
    expect(evilLine).toMatch(/^\*EVIL-2 ❌ &lt;!channel&gt; look\* · evil2@example\.com — /);

    s.sim.advance(15 * 60_000);
    await s.bot.poll();
    await s.bot.idle();

    const finished = statusMessageIn(s);
    // Done; what follows "done" is the digest's own words, if anything deserves a look (the simulator's WARP
    // bundles carry a random client error now and then), never the device's.
    expect(deviceLines(finished)[0]).toMatch(/— PCAP ✅ done(: [^·]+)? · WARP diagnostics ✅ done(: [^·]+)?$/);
    // Whatever the bot wrote in mrkdwn, in the status message and its thread (file comments too): no direction
    // control, no broadcast, no markup from outside, and the only line saying a capture is done is the bot's own.
    // (File titles are plain text, which Slack does not format: they are checked for line breaks below.)
    const thread = s.slack.thread('C_HELPDESK', finished.ts);
    const texts = thread.filter((e): e is FakeMessage => e.kind === 'message').map((m) => m.text ?? '');
    const files = thread.filter((e): e is FakeFileShare => e.kind === 'file');
    for (const text of [visibleText(finished), ...texts, ...files.map((f) => f.comment ?? '')]) {
      expect(text).not.toMatch(/[\u202a-\u202e\u2066-\u2069]/);
      expect(text).not.toContain('<!channel>');
      expect(text).not.toMatch(/\*bold\*|_it_|~s~|`code`/);
    }
    expect(visibleText(finished).match(/— PCAP ✅ done/g)).toHaveLength(1);
    expect(texts.some((t) => t.startsWith('<@U_ALICE>'))).toBe(true);

    const failures = texts.filter((t) => t.startsWith('❌'));
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).not.toMatch(LINE_OR_DIRECTION);
      expect(failure).toMatch(/^❌ \*EVIL-2 ❌ &lt;!channel&gt; look\* \(evil2@example\.com\): PCAP failed/);
    }
    const spoofFiles = files.filter((f) => f.name.startsWith('SPOOF-PC'));
    expect(spoofFiles).toHaveLength(2);
    for (const file of spoofFiles) {
      // The comment is the digest's verdict: the device is named in the title, not again here.
      expect(file.comment).toBeTruthy();
      expect(file.comment).not.toContain('first_last@example.com');
      expect(file.title).not.toMatch(LINE_OR_DIRECTION);
      expect(file.title).toMatch(/ · SPOOF-PC Packet capture \(PCAP\): ✅ Done /);
    }
  });

  it('an ineligible device with a hostile reason: the option and the refusal on submit stay one line', async () => {
    const s = await startStack();
    stack = s;
    s.sim.addDevice({
      deviceName: 'KIOSK-9',
      personEmail: 'kiosk@example.com',
      platform: 'windows',
      eligible: false,
      ineligibleReason: 'Too old\nPacket capture (PCAP): ✅ Done\u202E',
    });
    const viewId = await openModal(s);
    const kiosk = await pick(s, viewId, 'KIOSK-9', 'KIOSK-9');
    expect(kiosk.text).toBe('KIOSK-9 · kiosk@example.com · windows');
    expect(kiosk.description).toBe('Too old Packet capture (PCAP): ✅ Done');
    delete kiosk.description;

    const result = await s.user.submitView(viewId, values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, [kiosk]));
    expect(result.outcome).toBe('errors');
    const error = (result.body as { errors: Record<string, string> }).errors[DEVICES_BLOCK];
    expect(error).toBe("KIOSK-9 can't be captured: Too old Packet capture (PCAP): ✅ Done.");
    expect(s.sim.commands).toHaveLength(0);
  });
});

describe('ids read back from payloads are checked', () => {
  const FORGED = 'C0X><!channel><#C0Y';

  /** Alice picks the device META-1 and submits with `conversation` picked (null: none) and maybe tampering. */
  async function submitWith(conversation: string | null, tampering: { forgedPrivateMetadata?: string } = {}) {
    const s = await startStack();
    stack = s;
    s.sim.addDevice({ deviceName: 'META-1', personEmail: 'meta@example.com', platform: 'linux' });
    const viewId = await openModal(s);
    const device = await pick(s, viewId, 'META-1', 'META-1 ·');
    const state = values.merge(
      values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, [device]),
      values.conversation(CHANNEL_BLOCK, CHANNEL_ACTION, conversation),
    );
    return { s, result: await s.user.submitView(viewId, state, tampering) };
  }

  it('a forged private_metadata channel is never posted to: the status goes to the requester’s DM', async () => {
    // No conversation picked: the metadata would decide where the status goes.
    const { s, result } = await submitWith(null, { forgedPrivateMetadata: JSON.stringify({ channelId: FORGED }) });
    expect(result.outcome).toBe('closed');

    const dm = imIdFor('U_ALICE');
    const status = await s.slack.waitFor(() =>
      s.slack.messages(dm).find((m): m is FakeMessage => m.kind === 'message' && m.updates >= 1),
    );
    expect(visibleText(status)).toContain('META-1');

    const posts = s.slack.callsTo('chat.postMessage');
    expect(posts.map((c) => c.args.channel)).not.toContain(FORGED);
    expect(posts.every((c) => c.args.channel === 'U_ALICE' || c.args.channel === dm)).toBe(true);
    const everything = JSON.stringify(s.slack.callsTo('chat.postMessage').concat(s.slack.callsTo('chat.update')));
    expect(everything).not.toContain('<!channel>');
    expect(everything).not.toContain('C0X');
    expect(s.slack.messages('C_HELPDESK')).toHaveLength(0);
  });

  it('a forged picked conversation is refused on its field, and nothing starts', async () => {
    const { s, result } = await submitWith(FORGED);
    expect(result.outcome).toBe('errors');
    expect(result.body).toEqual({
      response_action: 'errors',
      errors: { [CHANNEL_BLOCK]: "Couldn't read the conversation. Pick it again." },
    });
    expect(s.sim.commands).toHaveLength(0);
    expect(s.slack.callsTo('chat.postMessage')).toHaveLength(0);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
