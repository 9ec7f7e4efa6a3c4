import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { type Browser, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, describe, expect, it } from 'vitest';
import { type PageEntry, renderConversationPage } from '../../src/demo/html-page.js';
import { captureModal } from '../../src/slack/ui/capture-modal.js';
import { helpMessage, quotaMessage } from '../../src/slack/ui/replies.js';
import { statusMessage } from '../../src/slack/ui/status-message.js';
import { artifactComment, commandFailedMessage, optionsMessage } from '../../src/slack/ui/thread-messages.js';
import { command, NOW, request, target, upload } from '../slack/ui/fixtures.js';

// The page is checked in a real browser: what a person would see, not what the HTML string contains.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ROOT = join(import.meta.dirname, '..', '..');
const names = (id: string) => ({ U0AGENT: 'alice', U_ALICE: 'alice', C0HELPDESK: 'helpdesk' })[id] ?? id;

const HOSTILE_NAME = '<script>window.pwned=1</script>"><img src=x onerror="window.pwned=2">';
const alice = target(42, { name: 'LAPTOP-42', email: 'alice@example.com' });
const hostile = target(7, { name: HOSTILE_NAME, email: 'mallory@example.com' });

let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close();
});

/** Started by the first test that needs it, so that without Chromium every test fails (none is skipped). */
async function launched(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium (Debian), or set CHROMIUM_PATH`);
  }
  browser ??= await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  return browser;
}

async function open(html: string): Promise<Page> {
  const page = await (await launched()).newPage({ viewport: { width: 900, height: 800 } });
  await page.setContent(html);
  return page;
}

/** How many pixels of a full-page screenshot are the unknown block's magenta (#ff00ff). */
async function magentaPixels(page: Page): Promise<number> {
  const png = PNG.sync.read(await page.screenshot({ fullPage: true }));
  let count = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (png.data[i] === 255 && png.data[i + 1] === 0 && png.data[i + 2] === 255) count++;
  }
  return count;
}

/** A conversation built with the bot's own UI builders: what the page has to draw in real life. */
function realisticEntries(): PageEntry[] {
  const devices = [alice, hostile];
  const running = request({ devices, requestedBy: 'U0AGENT' });
  const pcap = command(alice, 'pcap', 'SUCCESS');
  const failed = command(hostile, 'pcap', 'FAILED');
  const posted = statusMessage({
    request: request({ devices, state: 'starting' }),
    commands: [],
    dashboardUrl: 'https://dash.cloudflare.com/acc/dex',
    newPost: true,
  });
  const finished = statusMessage({
    request: request({ devices, state: 'finished' }),
    commands: [pcap, failed],
    uploads: [upload(pcap)],
    dashboardUrl: 'https://dash.cloudflare.com/acc/dex',
  });
  const modal = captureModal({
    channelId: 'C0HELPDESK',
    quota: { total: 800, used: 12, remaining: 788, resetsAt: NOW },
    preselected: devices,
    types: ['pcap', 'warp-diag'],
    options: running.options,
    privateMetadata: '{}',
    notice: '<@U_ALICE> has 2 devices.',
  });
  const ts = '1764079330.000100';
  const message = (version: 'posted' | 'updated', m: { text: string; blocks: unknown[] }): PageEntry => ({
    kind: 'message',
    version,
    channel: 'C0HELPDESK',
    ts,
    text: m.text,
    blocks: m.blocks,
  });
  const reply = (text: string): PageEntry => ({
    kind: 'thread-reply',
    version: 'posted',
    channel: 'C0HELPDESK',
    threadTs: ts,
    ts: null,
    text,
    blocks: null,
  });
  const help = helpMessage();
  return [
    { kind: 'caption', text: 'alice types /capture alice@example.com' },
    { kind: 'modal', version: 'opened', view: modal as unknown as Record<string, unknown> },
    message('posted', posted),
    reply(optionsMessage(running)),
    reply(commandFailedMessage(hostile, failed, 'no adapters matched')),
    message('updated', finished),
    {
      kind: 'file',
      channel: 'C0HELPDESK',
      threadTs: ts,
      name: 'pcap-LAPTOP-42.zip',
      bytes: 123_456,
      comment: artifactComment({
        type: 'pcap',
        interfaces: [
          { name: 'default', ok: true, error: null },
          { name: 'tunnel', ok: false, error: 'pktmon: no adapters' },
        ],
      } as Parameters<typeof artifactComment>[0]),
    },
    { kind: 'ephemeral', to: 'U_ALICE', text: help.text, blocks: help.blocks ?? null },
    {
      kind: 'ephemeral',
      to: 'U_ALICE',
      text: quotaMessage({ total: 800, used: 12, remaining: 788, resetsAt: NOW }, NOW).text,
      blocks: null,
    },
  ];
}

describe('the demo page in Chromium', () => {
  it('draws every block the bot sends, the devices, mentions, and outside text as text only', async () => {
    const page = await open(renderConversationPage(realisticEntries(), names));
    expect(await page.locator('.unknown-block').count()).toBe(0);

    const versions = page.locator('.message-version');
    expect(await versions.count()).toBe(2);
    const finished = await versions.nth(1).innerText();
    expect(finished).toMatch(/LAPTOP-42 · alice@example\.com — PCAP \S+ done/);
    expect(finished).toContain(`${HOSTILE_NAME} · mallory@example.com — PCAP`);
    expect(await page.locator('.message-version .mention', { hasText: '@alice' }).count()).toBeGreaterThan(0);
    expect(await page.locator('.modal .chip').allInnerTexts()).toEqual([
      expect.stringContaining('LAPTOP-42'),
      // Option texts are cut to 75 characters by the bot; what is left still shows as text.
      expect.stringContaining('<script>window.pwned=1</script>"><img'),
    ]);
    expect(await page.locator('.modal').innerText()).toContain('@alice has 2 devices.');
    expect(await page.locator('.thread .thread-reply').count()).toBe(2);
    expect(await page.locator('.file-share').innerText()).toContain('pcap-LAPTOP-42.zip');
    expect(await page.locator('.ephemeral').first().innerText()).toContain('Only you can see this');
    expect(await page.locator('.button.primary', { hasText: 'Open the capture form' }).count()).toBe(1);

    // The hostile name is on the page as text, and nothing of it became an element or ran.
    expect(await page.locator('body').innerText()).toContain(HOSTILE_NAME);
    expect(await page.locator('script, img').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as { pwned?: unknown }).pwned)).toBeUndefined();
    await page.close();
  });

  it('shows an unknown block as magenta in a screenshot, and a page of known blocks has none', async () => {
    const known = await open(renderConversationPage(realisticEntries(), names));
    expect(await magentaPixels(known)).toBe(0);
    await known.close();

    const videoBlock = { type: 'video', title: { type: 'plain_text', text: 'How to capture' }, video_url: 'x' };
    const unknown = await open(
      renderConversationPage(
        [{ kind: 'message', version: 'posted', channel: 'C0HELPDESK', ts: null, text: 'x', blocks: [videoBlock] }],
        names,
      ),
    );
    expect(await unknown.locator('.unknown-block').innerText()).toBe('Unknown block: video');
    expect(await magentaPixels(unknown)).toBeGreaterThan(1000);
    await unknown.close();
  });

  it('npm run demo -- --html FILE writes the whole run: a modal, the status message versions, the thread, the files', {
    timeout: 120_000,
  }, async () => {
    await launched(); // without Chromium, fail before the demo's run
    const dir = mkdtempSync(join(tmpdir(), 'demo-html-'));
    try {
      const file = join(dir, 'demo.html');
      const { stdout } = await promisify(execFile)('npm', ['run', '--silent', 'demo', '--', '--html', file], {
        cwd: ROOT,
      });
      expect(stdout).toContain(`Wrote the conversation to ${file}`);

      const page = await open(readFileSync(file, 'utf8'));
      expect(await page.locator('.unknown-block').count()).toBe(0);
      expect(await magentaPixels(page)).toBe(0);
      expect(await page.locator('.modal').count()).toBeGreaterThanOrEqual(1);
      expect(await page.locator('.modal .chip', { hasText: 'LAPTOP-42' }).count()).toBeGreaterThanOrEqual(1);

      const statusTs = await page.locator('.message-version').first().getAttribute('data-ts');
      expect(statusTs).toBeTruthy();
      const statusVersions = page.locator(`.message-version[data-ts="${statusTs}"]`);
      expect(await statusVersions.count()).toBeGreaterThanOrEqual(2);
      expect(await statusVersions.first().innerText()).toContain('posted');
      expect(await statusVersions.last().innerText()).toContain('updated');
      expect(await statusVersions.last().innerText()).toMatch(/NUC-ALICE .* failed/);

      expect(await page.locator(`.thread[data-thread-ts="${statusTs}"] .thread-reply`).count()).toBeGreaterThan(0);
      const files = await page.locator('.file-share .file-name').allInnerTexts();
      expect(files.length).toBeGreaterThanOrEqual(4);
      expect(files.every((name) => name.endsWith('.zip'))).toBe(true);
      expect(await page.locator('.ephemeral').innerText()).toMatch(/Only you can see this[\s\S]*captures left today/);
      expect(await page.locator('.caption').first().innerText()).toContain('/capture alice@example.com');
      await page.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
