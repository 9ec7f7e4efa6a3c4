import { request } from 'undici';
import { filledModal, optionFor } from '../../src/demo/local-environment.js';
import { values } from '../../src/fake-slack/index.js';
import { typeLabel } from '../../src/slack/ui/format.js';
import { DEVICES_ACTION, DEVICES_BLOCK, TYPES_ACTION, TYPES_BLOCK } from '../../src/slack/ui/ids.js';
import type { BenchEnvironment, BotProcess } from '../environment.js';
import { runChild } from '../processes.js';
import type { Row } from '../report.js';
import { mb, median, ratio } from '../stats.js';

const MB = 1024 * 1024;
const SIZES = [50 * MB, 200 * MB, 1024 * MB];
/** filesUploadV2 holds the whole file: the peer is run on the smaller files only. */
const PEER_SIZES = [50 * MB, 200 * MB];
/**
 * Where "≥ 10× less" is checked: the issue's own reference size. At 50 MB the file is small next to the
 * ~20–30 MB any streaming Node.js process holds in flight (young-generation garbage, socket buffers), so the
 * ratio there is reported, not checked.
 */
const PEER_CHECKED_SIZE = 200 * MB;
/**
 * A 50 MB relay lasts about a third of a second, so one pass's throughput moves by ±20% with whatever else the
 * machine does (seen: 79% and 94% on an idle machine minutes apart). Those sizes take the median of 3 passes,
 * bot and bare pipe interleaved; the 1 GB pass lasts seconds and is steady alone.
 */
const passesFor = (bytes: number) => (bytes <= 200 * MB ? 3 : 1);

interface Transfer {
  ms: number;
  peakGrowth: number;
}

/**
 * One packet capture of each size, relayed by the bot (`node main.js`) from the simulator into the Slack
 * stand-in; the same bytes through a bare undici pipe, and through `filesUploadV2` as a peer would write it.
 * Memory is the bot's peak resident set during the transfer (Linux VmHWM, reset before each) over its RSS at
 * rest after a first small relay; for the peer, its peak over its RSS before it starts.
 */
export async function artifactRelay(env: BenchEnvironment, bot: BotProcess): Promise<Row[]> {
  const rows: Row[] = [];
  const peers: string[] = [];
  let peerHolds = false;
  // One small relay first: code loaded and compiled once is not memory a transfer takes.
  await relayThroughBot(env, bot, MB, 0);
  const idle = bot.child.memory().rss;
  for (const bytes of SIZES) {
    const passes: { transfer: Transfer; pipe: Transfer; throughput: number }[] = [];
    let commandId = '';
    for (let pass = 0; pass < passesFor(bytes); pass++) {
      const relayed = await relayThroughBot(env, bot, bytes, idle);
      commandId = relayed.commandId;
      const pipe = await barePipe(env, commandId, relayed.zipBytes);
      passes.push({ transfer: relayed.transfer, pipe, throughput: pipe.ms / relayed.transfer.ms });
    }
    const throughput = median(passes.map((p) => p.throughput));
    const typical = passes.find((p) => p.throughput === throughput);
    if (!typical) throw new Error('no relay pass ran');
    // Memory is the worst pass, not the median: a peak is what the machine must have.
    const peakGrowth = Math.max(...passes.map((p) => p.transfer.peakGrowth));
    const transfer = { ...typical.transfer, peakGrowth };
    const runs =
      passes.length > 1 ? `; passes ${passes.map((p) => `${Math.round(p.throughput * 100)}%`).join(', ')}` : '';
    rows.push({
      metric: `artifact relay of a PCAP zip, digested as it streams, ${mb(bytes)}: peak RSS growth; throughput vs a bare undici pipe`,
      target: '≤ 64 MB; ≥ 80%',
      measured: `${mb(peakGrowth)}; ${Math.round(throughput * 100)}% (ours ${speed(bytes, typical.transfer.ms)}, pipe ${speed(bytes, typical.pipe.ms)}${runs})`,
      holds: peakGrowth <= 64 * MB && throughput >= 0.8,
    });
    if (PEER_SIZES.includes(bytes)) {
      const peer = await peerRelay(env, commandId);
      const times = peer.peakGrowth / Math.max(transfer.peakGrowth, 1);
      peers.push(
        `${mb(bytes)}: filesUploadV2 +${mb(peer.peakGrowth)} in ${speed(bytes, peer.ms)} vs ours +${mb(transfer.peakGrowth)} (${ratio(times)})`,
      );
      if (bytes === PEER_CHECKED_SIZE) peerHolds = times >= 10;
    }
  }
  rows.push({
    metric: 'the same relay written with `filesUploadV2`: peak RSS growth, side by side',
    target: `ours ≥ 10× less (checked at ${mb(PEER_CHECKED_SIZE)})`,
    measured: peers.join('; '),
    holds: peerHolds,
  });
  return rows;
}

const speed = (bytes: number, ms: number) => `${Math.round(bytes / MB / (ms / 1000))} MB/s`;

/** Peak growth is over `baseline` (the bot's RSS at rest) or, when that is 0, over the RSS just before. */
async function relayThroughBot(env: BenchEnvironment, bot: BotProcess, bytes: number, baseline: number) {
  env.sim.setArtifactSize('pcap', bytes);
  const agent = bot.driver();
  const modal = await filledModal(env.slack, (await agent.slashCommand('')).triggerId);
  const answer = await agent.searchOptions(modal.id, DEVICES_ACTION, DEVICES_BLOCK, 'RELAY-PC');
  const option = optionFor(answer, 'RELAY-PC');
  const completed = env.slack.callsTo('files.completeUploadExternal').filter((c) => c.ok).length;
  const reserved = env.slack.callsTo('files.getUploadURLExternal').length;
  bot.child.resetPeak();
  const before = baseline || bot.child.memory().rss;
  const result = await agent.submitView(
    modal.id,
    values.merge(
      values.multiExternal(DEVICES_BLOCK, DEVICES_ACTION, [option]),
      values.checkboxes(TYPES_BLOCK, TYPES_ACTION, [{ text: typeLabel('pcap'), value: 'pcap' }]),
    ),
  );
  if (result.outcome !== 'closed') throw new Error(`submission refused: ${JSON.stringify(result.body)}`);
  const done = await env.slack.waitFor(
    () => env.slack.callsTo('files.completeUploadExternal').filter((c) => c.ok)[completed],
    300_000,
  );
  const peak = bot.child.memory().peak;
  const start = env.slack.callsTo('files.getUploadURLExternal')[reserved];
  if (!start) throw new Error('no upload URL was asked for');
  const commandId = env.sim.commands.at(-1)?.id;
  if (!commandId) throw new Error('no command was created');
  const transfer: Transfer = { ms: done.at.getTime() - start.at.getTime(), peakGrowth: peak - before };
  // The zip's exact size, as the bot declared it to Slack.
  return { commandId, transfer, zipBytes: Number(start.args.length) };
}

function downloadUrl(env: BenchEnvironment, commandId: string): string {
  return `${env.sim.baseUrl}/accounts/${env.sim.accountId}/dex/commands/${commandId}/downloads/${commandId}.zip`;
}

async function barePipe(env: BenchEnvironment, commandId: string, bytes: number): Promise<Transfer> {
  const answer = await request(`${env.slack.apiUrl}files.getUploadURLExternal`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.slack.botToken}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ filename: `${commandId}.zip`, length: String(bytes) }).toString(),
  });
  const { upload_url: uploadUrl } = (await answer.body.json()) as { upload_url: string };
  return runChild<Transfer>('bench/children/bare-pipe.js', {
    downloadUrl: downloadUrl(env, commandId),
    token: env.sim.token,
    uploadUrl,
    bytes,
  });
}

function peerRelay(env: BenchEnvironment, commandId: string): Promise<Transfer> {
  return runChild<Transfer>('bench/children/peer-relay.js', {
    downloadUrl: downloadUrl(env, commandId),
    token: env.sim.token,
    slackApiUrl: env.slack.apiUrl,
    slackToken: env.slack.botToken,
    channelId: 'C_HELPDESK',
    fileName: `${commandId}.zip`,
  });
}
