import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE_OPTIONS } from '../../../src/captures/model.js';
import { humanBytes } from '../../../src/slack/ui/format.js';
import {
  artifactComment,
  artifactFileName,
  artifactOrigin,
  artifactTitle,
  commandFailedMessage,
  commandTimedOutMessage,
  deviceFailedMessage,
  finishedMessage,
  optionsMessage,
  statusMovedMessage,
  uploadFailedMessage,
} from '../../../src/slack/ui/thread-messages.js';
import { command, target } from './fixtures.js';

const laptop = target(42, { name: 'LAPTOP-42', email: 'alice@example.com', platform: 'windows' });

describe('thread messages', () => {
  it('lists the options used', () => {
    expect(optionsMessage({ types: ['pcap', 'warp-diag'], options: DEFAULT_CAPTURE_OPTIONS })).toBe(
      'Packet capture: 5 min, 5 MB max, 160-byte packets · WARP diagnostics: test all routes on',
    );
    expect(
      optionsMessage({
        types: ['warp-diag'],
        options: { ...DEFAULT_CAPTURE_OPTIONS, 'warp-diag': { testAllRoutes: false } },
      }),
    ).toBe('WARP diagnostics: test all routes off');
  });

  it('explains a failure, with a helpful default when Cloudflare gives no reason', () => {
    expect(commandFailedMessage(laptop, command(laptop, 'pcap', 'FAILED'))).toBe(
      '❌ PCAP on LAPTOP-42 (alice@example.com) failed: Cloudflare reported FAILED. Check the WARP client version and that the device is online, then run again.',
    );
    expect(commandFailedMessage(laptop, command(laptop, 'warp-diag', 'FAILED'), 'Another capture is running')).toBe(
      '❌ WARP diagnostics on LAPTOP-42 (alice@example.com) failed: Another capture is running.',
    );
  });

  it('says what a time-out means', () => {
    const text = commandTimedOutMessage(laptop, command(laptop, 'pcap', 'TIMED_OUT'));
    expect(text).toMatch(/^⏰ PCAP on LAPTOP-42 \(alice@example\.com\) timed out: no result after 30 minutes\./);
    expect(text).toContain('dashboard');
  });

  it('describes a file without repeating its title (device, type) or size: only the interfaces', () => {
    const interfaces = [
      { name: 'default', ok: true, error: null },
      { name: 'tunnel', ok: false, error: 'pktmon: no adapters matched' },
    ];
    expect(artifactComment({ type: 'pcap', interfaces })).toBe(
      'Interfaces: default ✓, tunnel ✗ (pktmon: no adapters matched)',
    );
    expect(artifactComment({ type: 'warp-diag', interfaces: null })).toBe('');
  });

  it("tells a device's failures in one reply, with the likely cause when Cloudflare lists the device offline", () => {
    const failed = [command(laptop, 'pcap', 'FAILED'), command(laptop, 'warp-diag', 'TIMED_OUT')];
    const seen = new Date('2026-11-25T13:40:00Z');
    const { text } = deviceFailedMessage(laptop, failed, { networkStatus: 'disconnected', lastSeenAt: seen });
    expect(text).toMatch(/^❌ \*LAPTOP-42\* \(alice@example\.com\): PCAP failed, WARP diagnostics timed out\. /);
    expect(text).toContain('Cloudflare lists it as disconnected, last seen <!date^');
    expect(text).toContain('Timed out: no result after 30 minutes');
    expect(text.split('\n')).toHaveLength(1);
    // Without facts, what to check.
    expect(deviceFailedMessage(laptop, [failed[0] as never], null).text).toContain('Check the WARP client version');
  });

  it('ends with one reply that mentions the requester: all done, or what failed and what to do', () => {
    const base = { requestedBy: 'U0AGENT', state: 'finished' as const, startError: null };
    expect(
      finishedMessage(base, { wanted: 4, done: 4, filesPosted: 4, fileTroubles: [], failedDevices: [] }).text,
    ).toBe('<@U0AGENT> ✅ All 4 captures done; the files are in this thread.');
    const failedDevices = [{ device: laptop, commands: [command(laptop, 'pcap', 'FAILED')] }];
    const mixed = finishedMessage(base, { wanted: 4, done: 3, filesPosted: 3, fileTroubles: [], failedDevices }).text;
    expect(mixed).toMatch(/^<@U0AGENT> ⚠️ 3 of 4 captures done\. Failed on LAPTOP-42 \(PCAP\)/);
    expect(mixed).toContain('*Retry failed*');
    expect(mixed.match(/<@/g)).toHaveLength(1);
    const partly = finishedMessage(base, {
      wanted: 2,
      done: 1,
      filesPosted: 2,
      fileTroubles: [{ device: laptop, command: command(laptop, 'pcap', 'SUCCESS'), trouble: 'partly' }],
      failedDevices: [],
    }).text;
    expect(partly).toBe(
      '<@U0AGENT> ⚠️ 1 of 2 captures done. Partly done (an interface failed): PCAP on LAPTOP-42; its file says which.',
    );
    const notStarted = finishedMessage(
      { ...base, state: 'failed-to-start', startError: { reason: 'unreachable' } },
      { wanted: 4, done: 0, filesPosted: 0, fileTroubles: [], failedDevices: [] },
    ).text;
    expect(notStarted).toBe(
      '<@U0AGENT> ❌ The captures did not start. Cloudflare could not be reached. Nothing was started; try again in a minute.',
    );
  });

  it('keeps what the device and Cloudflare said inert: one line, no markup, no mention', () => {
    const spoof = target(7, { name: 'SPOOF\n✅ Done *b*', email: 'first_last@example.com', platform: 'linux' });
    expect(commandFailedMessage(spoof, command(spoof, 'pcap', 'FAILED'), 'busy\n<!channel> _now_')).toBe(
      '❌ PCAP on SPOOF ✅ Done ∗b∗ (first_last@example.com) failed: busy &lt;!channel&gt; ˍnowˍ.',
    );
    const interfaces = [{ name: 'default\n> x', ok: false, error: 'tunnel `x`\n*y*' }];
    expect(artifactComment({ type: 'pcap', interfaces })).toBe('Interfaces: default &gt; x ✗ (tunnel ˋxˋ ∗y∗)');
    expect(deviceFailedMessage(spoof, [command(spoof, 'pcap', 'FAILED')], null).text).toMatch(
      /^❌ \*SPOOF ✅ Done ∗b∗\* \(first_last@example\.com\): PCAP failed\./,
    );
    // A file title is plain text: only line and direction breaks go.
    expect(artifactTitle('Packet capture (PCAP)', { name: 'SPOOF\n*b*\u202E' })).toBe(
      'Packet capture (PCAP) · SPOOF *b*',
    );
  });

  it('names the conversation only by a checked id', () => {
    expect(statusMovedMessage('C0PRIVATE')).toMatch(/^I can't post in <#C0PRIVATE>, so this capture's status is here/);
    expect(statusMovedMessage('C0X><!channel><#C0Y')).toMatch(/^I can't post in an unknown conversation, so/);
    expect(artifactOrigin({ id: 'C7K2Q9', channelId: 'C0HELPDESK' })).toBe('From capture `C7K2Q9` in <#C0HELPDESK>.');
    expect(artifactOrigin({ id: 'C7`*', channelId: 'C0X><!channel>' })).toBe(
      'From capture `C7ˋ∗` in an unknown conversation.',
    );
  });

  it('formats sizes as people read them', () => {
    expect(humanBytes(0)).toBe('0 bytes');
    expect(humanBytes(1)).toBe('1 byte');
    expect(humanBytes(1023)).toBe('1023 bytes');
    expect(humanBytes(1024)).toBe('1 KB');
    expect(humanBytes(1536)).toBe('1.5 KB');
    expect(humanBytes(1024 * 1024 - 1)).toBe('1 MB');
    expect(humanBytes(100 * 1024 * 1024)).toBe('100 MB');
    expect(humanBytes(3 * 1024 ** 3)).toBe('3 GB');
  });

  it('names artifact files by device, type and UTC time', () => {
    const createdAt = new Date('2026-11-25T14:02:59Z');
    expect(artifactFileName({ device: laptop, type: 'pcap', createdAt })).toBe('LAPTOP-42-pcap-20261125-1402.zip');
    expect(artifactFileName({ device: { name: 'Zoë’s MacBook Pro (2)' }, type: 'warp-diag', createdAt })).toBe(
      'Zoe-s-MacBook-Pro-2-warp-diag-20261125-1402.zip',
    );
    expect(artifactFileName({ device: { name: '../../etc/passwd' }, type: 'pcap', createdAt })).toBe(
      'etc-passwd-pcap-20261125-1402.zip',
    );
    expect(artifactFileName({ device: { name: '😀' }, type: 'pcap', createdAt })).toBe('device-pcap-20261125-1402.zip');
    for (const name of ['a'.repeat(500), 'x y/z\\w:"q"', '']) {
      expect(artifactFileName({ device: { name }, type: 'pcap', createdAt })).toMatch(/^[A-Za-z0-9_-]+\.zip$/);
    }
  });

  it('says where to find a file that could not be posted', () => {
    const text = uploadFailedMessage(laptop, 'pcap', 'https://dash.cloudflare.com/acc/dex', 'slack');
    expect(text).toBe(
      "⚠️ Couldn't post the PCAP from LAPTOP-42 (alice@example.com) here, after three tries: Slack would not take the file. Download it from the <https://dash.cloudflare.com/acc/dex|Cloudflare dashboard> instead, soon: Cloudflare keeps captures only for a limited time.",
    );
  });
});
