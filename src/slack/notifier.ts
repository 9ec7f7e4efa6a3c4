import type { webApi } from '@slack/bolt';
import type { CaptureRequest, StatusMessageRef, TrackedCommand } from '../captures/model.js';
import type { ArtifactInfo, ArtifactSink, Notifier, ThreadEvent } from '../captures/notifier.js';
import { CAPTURE_TYPE_LABEL } from './ui/format.js';
import { statusMessage, stoppedWatchingText } from './ui/status-message.js';
import {
  artifactComment,
  artifactFileName,
  artifactOrigin,
  artifactTitle,
  commandFailedMessage,
  commandTimedOutMessage,
  optionsMessage,
  statusMovedMessage,
  uploadFailedMessage,
} from './ui/thread-messages.js';
import { StreamedUpload } from './upload.js';

/** Slack errors that mean "not in this conversation", where a DM is the right fallback. */
const CANNOT_POST_THERE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

export interface SlackNotifierOptions {
  client: webApi.WebClient;
  dashboardUrl: string;
  /** ARTIFACT_DESTINATION: the status thread, or the requester's DM with the bot. */
  artifactDestination?: 'thread' | 'dm';
  now?: () => Date;
}

/** The domain's Notifier, in Slack: one status message per request, updated in place, and its thread. */
export class SlackNotifier implements Notifier {
  readonly artifacts: ArtifactSink;
  readonly #client: webApi.WebClient;
  readonly #dashboardUrl: string;
  readonly #now: () => Date;
  readonly #destination: 'thread' | 'dm';
  /** What each status message shows now, so an unchanged render is never sent again. */
  readonly #shown = new Map<string, string>();

  constructor(options: SlackNotifierOptions) {
    this.#client = options.client;
    this.#dashboardUrl = options.dashboardUrl;
    this.#now = options.now ?? (() => new Date());
    this.#destination = options.artifactDestination ?? 'thread';
    this.artifacts = new SlackArtifactSink(new StreamedUpload(options.client), (request) =>
      this.#artifactPlace(request),
    );
  }

  async postStatus(request: CaptureRequest, commands: TrackedCommand[]): Promise<StatusMessageRef> {
    const message = this.#render(request, commands);
    let response: Awaited<ReturnType<webApi.WebClient['chat']['postMessage']>>;
    let movedFrom: string | null = null;
    try {
      response = await this.#client.chat.postMessage({ channel: request.channelId, ...message });
    } catch (error) {
      // The bot cannot post there (a private channel it was not invited to, say): the captures still run,
      // and the status goes to the requester's DM with the bot instead, saying why.
      if (!CANNOT_POST_THERE.has((error as { data?: { error?: string } }).data?.error ?? '')) throw error;
      movedFrom = request.channelId;
      response = await this.#client.chat.postMessage({ channel: request.requestedBy, ...message });
    }
    if (!response.ts || !response.channel) throw new Error('Slack did not say where the status message went');
    this.#remember(response.ts, message);
    if (movedFrom) {
      await this.#client.chat.postMessage({
        channel: response.channel,
        thread_ts: response.ts,
        text: statusMovedMessage(movedFrom),
      });
    }
    return { channelId: response.channel, ts: response.ts };
  }

  async updateStatus(request: CaptureRequest, commands: TrackedCommand[]): Promise<void> {
    if (!request.statusMessage) return;
    const message = this.#render(request, commands);
    const { ts, channelId } = request.statusMessage;
    if (this.#shown.get(ts) === JSON.stringify(message)) return;
    await this.#client.chat.update({ channel: channelId, ts, ...message });
    this.#remember(ts, message);
  }

  async postInThread(request: CaptureRequest, event: ThreadEvent): Promise<void> {
    const thread = this.#thread(request);
    const text = this.#threadText(request, event);
    await this.#client.chat.postMessage({ channel: thread.channelId, thread_ts: thread.threadTs, text });
  }

  #threadText(request: CaptureRequest, event: ThreadEvent): string {
    switch (event.kind) {
      case 'options':
        return optionsMessage(request);
      case 'command-failed':
        return commandFailedMessage(event.device, event.command);
      case 'command-timed-out':
        return commandTimedOutMessage(event.device, event.command);
      case 'upload-failed':
        return uploadFailedMessage(event.device, event.command.type, this.#dashboardUrl, event.reason);
      case 'stopped':
        return stoppedWatchingText(event.by);
    }
  }

  #render(request: CaptureRequest, commands: TrackedCommand[]) {
    return statusMessage({
      request,
      commands,
      now: this.#now(),
      dashboardUrl: this.#dashboardUrl,
      artifactDestination: this.#destination,
    });
  }

  #remember(ts: string, message: unknown): void {
    this.#shown.set(ts, JSON.stringify(message));
    // Only recent messages get updates; keep the memory bounded.
    if (this.#shown.size > 1000) this.#shown.delete(this.#shown.keys().next().value as string);
  }

  /** Where a request's zips go: its status thread, or (ARTIFACT_DESTINATION=dm) the requester's DM. */
  async #artifactPlace(request: CaptureRequest): Promise<{ channelId: string; threadTs?: string }> {
    if (this.#destination === 'thread') return this.#thread(request);
    const { channel } = await this.#client.conversations.open({ users: request.requestedBy });
    if (!channel?.id) throw new Error('Slack did not open a direct message with the requester');
    return { channelId: channel.id };
  }

  #thread(request: CaptureRequest): { channelId: string; threadTs: string } {
    if (!request.statusMessage) throw new Error(`request ${request.id} has no status message yet`);
    return { channelId: request.statusMessage.channelId, threadTs: request.statusMessage.ts };
  }
}

class SlackArtifactSink implements ArtifactSink {
  constructor(
    private readonly upload: StreamedUpload,
    private readonly place: (request: CaptureRequest) => Promise<{ channelId: string; threadTs?: string }>,
  ) {}

  async reserve(info: ArtifactInfo) {
    const fileName = artifactFileName({
      device: info.device,
      type: info.command.type,
      createdAt: info.command.createdAt,
    });
    return { ...(await this.upload.reserve(fileName, info.bytes)), fileName };
  }

  send(uploadUrl: string, body: import('node:stream').Readable, bytes: number): Promise<void> {
    return this.upload.send(uploadUrl, body, bytes);
  }

  async publish(fileId: string, info: ArtifactInfo & { fileName: string; summary: string | null }): Promise<void> {
    const { channelId, threadTs } = await this.place(info.request);
    let comment = artifactComment({
      device: info.device,
      type: info.command.type,
      bytes: info.bytes,
      summary: info.summary,
    });
    // Away from its thread, a file says which request it belongs to.
    if (!threadTs) comment += `\n${artifactOrigin(info.request)}`;
    const title = artifactTitle(CAPTURE_TYPE_LABEL[info.command.type], info.device);
    await this.upload.publish(fileId, { channelId, ...(threadTs ? { threadTs } : {}), title, comment });
  }
}
