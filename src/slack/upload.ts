import type { Readable } from 'node:stream';
import type { webApi } from '@slack/bolt';
import { request } from 'undici';

type WebClient = webApi.WebClient;

/**
 * Slack's external upload in its three steps, streamed: `filesUploadV2` reads the whole file into memory, this
 * sends the bytes as they arrive. The steps are separate so the caller can store progress between them.
 */
export class StreamedUpload {
  constructor(private readonly client: WebClient) {}

  async reserve(fileName: string, bytes: number): Promise<{ fileId: string; uploadUrl: string }> {
    const response = await this.client.files.getUploadURLExternal({ filename: fileName, length: bytes });
    if (!response.file_id || !response.upload_url) throw new Error('Slack gave no upload URL');
    return { fileId: response.file_id, uploadUrl: response.upload_url };
  }

  async send(uploadUrl: string, body: Readable, bytes: number): Promise<void> {
    const url = new URL(uploadUrl);
    if (url.protocol !== 'https:' && !isLoopback(url.hostname))
      throw new Error('Slack gave an upload URL that is not https');
    const response = await request(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
      headersTimeout: 120_000,
      bodyTimeout: 120_000,
    });
    const text = await response.body.text();
    if (response.statusCode !== 200) {
      throw new Error(`Slack refused the file bytes (HTTP ${response.statusCode}: ${text.slice(0, 100)})`);
    }
  }

  async publish(fileId: string, place: { channelId: string; threadTs?: string; title: string; comment: string }) {
    await this.client.files.completeUploadExternal({
      files: [{ id: fileId, title: place.title }],
      channel_id: place.channelId,
      ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
      initial_comment: place.comment,
    });
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}
