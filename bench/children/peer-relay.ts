import { webApi } from '@slack/bolt';
import { request } from 'undici';
import { memory, readJob, report } from './job.js';

/*
 * The relay as a peer would write it: download the artifact and hand the stream to `filesUploadV2`, which
 * reads the whole file into memory before it uploads (reference/slack-bolt.md §4).
 */
interface Job {
  downloadUrl: string;
  token: string;
  slackApiUrl: string;
  slackToken: string;
  channelId: string;
  fileName: string;
}

const job = readJob<Job>();
const client = new webApi.WebClient(job.slackToken, { slackApiUrl: job.slackApiUrl, retryConfig: { retries: 0 } });
const before = memory();
const started = performance.now();
const download = await request(job.downloadUrl, { headers: { authorization: `Bearer ${job.token}` } });
if (download.statusCode !== 200) throw new Error(`download answered ${download.statusCode}`);
await client.filesUploadV2({
  channel_id: job.channelId,
  file: download.body,
  filename: job.fileName,
  initial_comment: 'peer relay',
});
report({ ms: performance.now() - started, peakGrowth: memory().peak - before.rss });
