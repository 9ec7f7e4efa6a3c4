import type { Readable } from 'node:stream';
import type { webApi } from '@slack/bolt';
import { request } from 'undici';
import { DeliveryError } from '../captures/notifier.js';
import { delivering, slackErrorCode, toDeliveryError } from './delivery-errors.js';

type WebClient = webApi.WebClient;

/** Where a file is (to be) shared: a conversation, and a thread in it. */
export interface FilePlace {
  channelId: string;
  threadTs?: string;
}

/**
 * Slack's external upload in its three steps, streamed: `filesUploadV2` reads the whole file into memory, this
 * sends the bytes as they arrive. The steps are separate so the caller can store progress between them. Every
 * failure is a DeliveryError.
 */
export class StreamedUpload {
  constructor(private readonly client: WebClient) {}

  async reserve(fileName: string, bytes: number): Promise<{ fileId: string; uploadUrl: string }> {
    const response = await delivering('files.getUploadURLExternal', () =>
      this.client.files.getUploadURLExternal({ filename: fileName, length: bytes }),
    );
    if (!response.file_id || !response.upload_url) throw new DeliveryError('failed', 'Slack gave no upload URL');
    return { fileId: response.file_id, uploadUrl: response.upload_url };
  }

  async send(uploadUrl: string, body: Readable, bytes: number, signal: AbortSignal): Promise<void> {
    const url = new URL(uploadUrl);
    if (url.protocol !== 'https:' && !isLoopback(url.hostname)) {
      throw new DeliveryError('failed', 'Slack gave an upload URL that is not https');
    }
    let status: number;
    try {
      const response = await request(url, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes) },
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
        signal,
      });
      status = response.statusCode;
      await response.body.dump();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw new DeliveryError('failed', `the upload of the file bytes failed (${(error as Error).name})`);
    }
    if (status !== 200) throw new DeliveryError('failed', `Slack refused the file bytes (HTTP ${status})`);
  }

  async publish(fileId: string, place: FilePlace & { title: string; comment: string }): Promise<void> {
    await delivering('files.completeUploadExternal', () =>
      this.client.files.completeUploadExternal({
        files: [{ id: fileId, title: place.title }],
        channel_id: place.channelId,
        ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
        initial_comment: place.comment,
      }),
    );
  }

  /** Whether the file is shared in that conversation (and thread). A file Slack no longer knows is not. */
  async isShared(fileId: string, place: FilePlace): Promise<boolean> {
    let file: Awaited<ReturnType<WebClient['files']['info']>>['file'];
    try {
      ({ file } = await this.client.files.info({ file: fileId }));
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'file_not_found' || code === 'file_deleted') return false;
      throw toDeliveryError(error, 'files.info');
    }
    const shares = [...Object.entries(file?.shares?.public ?? {}), ...Object.entries(file?.shares?.private ?? {})];
    return shares.some(
      ([channelId, entries]) =>
        channelId === place.channelId &&
        (!place.threadTs || entries.some((entry) => entry.thread_ts === place.threadTs)),
    );
  }
}

function isLoopback(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}
