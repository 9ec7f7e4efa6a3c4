import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { webApi } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import {
  type CaptureRequest,
  DIGEST_ONLY_FILE_ID,
  type InterfaceResult,
  type StatusMessageRef,
} from '../captures/model.js';
import {
  type ArtifactInfo,
  type ArtifactSink,
  DeliveryError,
  type NoticePlace,
  type Notifier,
  type OwnerNotice,
  type StatusView,
  type ThreadEvent,
} from '../captures/notifier.js';
import type { FileRemover } from '../captures/retention.js';
import type { ArtifactDestination } from '../config.js';
import type { ArtifactDigest } from '../digest/artifact-digest.js';
import { delivering, slackErrorCode, toDeliveryError } from './delivery-errors.js';
import { digestMessage, digestVerdictMrkdwn } from './ui/digest.js';
import { MESSAGE_BLOCKS_MAX, typeLabel } from './ui/format.js';
import { ownerNoticeMessage } from './ui/owner-notice.js';
import { statusMessage, stoppedWatchingText } from './ui/status-message.js';
import {
  approvedMessage,
  artifactComment,
  artifactFileName,
  artifactOrigin,
  artifactTitle,
  commandFailedMessage,
  commandTimedOutMessage,
  deviceFailedMessage,
  fileRemovedMessage,
  finishedMessage,
  optionsMessage,
  resultsInDashboardMessage,
  statusMovedMessage,
  statusReplacedMessage,
  uploadFailedMessage,
} from './ui/thread-messages.js';
import { type FilePlace, StreamedUpload } from './upload.js';

/** Slack errors that mean "not in this conversation", where a DM is the right fallback. */
const CANNOT_POST_THERE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'restricted_action']);

export interface SlackNotifierOptions {
  client: webApi.WebClient;
  dashboardUrl: string;
  /** ARTIFACT_DESTINATION: the status thread, or the requester's DM with the bot. */
  artifactDestination?: ArtifactDestination;
  /** ARTIFACT_RETENTION, for the line that says a file was removed; null: files are kept. */
  retentionMs?: number | null;
  /** CAPTURE_APPROVERS as configured (ids or handles), and how a handle becomes an id to mention. */
  approvers?: { groups: string[]; idOf(group: string): Promise<string> };
  now: () => Date;
}

/**
 * The domain's Notifier, in Slack: one status message per request, updated in place, and its thread. Every failure
 * reaches the domain as a DeliveryError (the notice board decides what to do about it).
 */
export class SlackNotifier implements Notifier, FileRemover {
  readonly artifacts: ArtifactSink;
  readonly #client: webApi.WebClient;
  readonly #dashboardUrl: string;
  readonly #now: () => Date;
  readonly #destination: ArtifactDestination;
  readonly #retentionMs: number | null;
  /** What each status message shows now, so an unchanged render is never sent again. */
  readonly #shown = new Map<string, string>();
  readonly #approverGroups: SlackNotifierOptions['approvers'];
  /** The approver groups as shown: ids once known (a mention), the configured handle until then. */
  #approvers: string[];

  constructor(options: SlackNotifierOptions) {
    this.#client = options.client;
    this.#dashboardUrl = options.dashboardUrl;
    this.#now = options.now;
    this.#destination = options.artifactDestination ?? 'thread';
    this.#retentionMs = options.retentionMs ?? null;
    this.#approverGroups = options.approvers;
    this.#approvers = options.approvers?.groups ?? [];
    this.artifacts =
      this.#destination === 'digest'
        ? new DigestOnlySink()
        : new SlackArtifactSink(new StreamedUpload(options.client), (request) => this.#artifactPlace(request));
  }

  async postStatus(view: StatusView, place: NoticePlace): Promise<StatusMessageRef> {
    const { request } = view;
    if (request.state === 'awaiting-approval') await this.#resolveApprovers();
    // A new post notifies whoever it mentions: the requester is named in it from the next edit on.
    const message = this.#render(view, { newPost: true });
    const post = (channel: string) =>
      delivering('chat.postMessage', () => this.#client.chat.postMessage({ channel, ...message }));
    let response: Awaited<ReturnType<webApi.WebClient['chat']['postMessage']>>;
    let movedFrom: string | null = null;
    if (place === 'requester-dm') {
      response = await post(request.requestedBy);
      movedFrom = request.channelId;
    } else {
      try {
        response = await this.#client.chat.postMessage({ channel: request.channelId, ...message });
      } catch (error) {
        // The bot cannot post there (a private channel it was not invited to, say): the captures still run,
        // and the status goes to the requester's DM with the bot instead, saying why.
        if (!CANNOT_POST_THERE.has(slackErrorCode(error) ?? '')) throw toDeliveryError(error, 'chat.postMessage');
        movedFrom = request.channelId;
        response = await post(request.requestedBy);
      }
    }
    if (!response.ts || !response.channel)
      throw new DeliveryError('failed', 'Slack did not say where the message went');
    this.#remember(response.ts, message);
    const full = this.#render(view);
    if (view.request.state !== 'starting' && JSON.stringify(full) !== JSON.stringify(message)) {
      // Posted in a later state (a replacement): no edit may follow, so the requester is named now (best effort).
      await this.#client.chat
        .update({ channel: response.channel, ts: response.ts, ...full })
        .then(() => this.#remember(response.ts as string, full))
        .catch(() => {});
    }
    if (movedFrom && place === 'usual') {
      // Best effort: the status itself is what matters, and it is posted.
      await this.#client.chat
        .postMessage({ channel: response.channel, thread_ts: response.ts, text: statusMovedMessage(movedFrom) })
        .catch(() => {});
    }
    return { channelId: response.channel, ts: response.ts };
  }

  async updateStatus(view: StatusView): Promise<void> {
    const ref = view.request.statusMessage;
    if (!ref) return;
    if (view.request.state === 'awaiting-approval') await this.#resolveApprovers();
    const message = this.#render(view);
    if (this.#shown.get(ref.ts) === JSON.stringify(message)) return;
    await delivering('chat.update', () => this.#client.chat.update({ channel: ref.channelId, ts: ref.ts, ...message }));
    this.#remember(ref.ts, message);
  }

  async postInThread(request: CaptureRequest, event: ThreadEvent, place: NoticePlace): Promise<void> {
    if (event.kind === 'digest') {
      const message = digestMessage(event.digest, { device: event.device, type: event.command.type });
      if (this.#destination === 'digest') {
        // No file carries the verdict in its comment: it leads the figures instead.
        const verdict: KnownBlock = {
          type: 'section',
          text: { type: 'mrkdwn', text: digestVerdictMrkdwn(event.digest) },
        };
        message.blocks = [message.blocks[0] as KnownBlock, verdict, ...message.blocks.slice(1)].slice(
          0,
          MESSAGE_BLOCKS_MAX,
        );
        message.text = `${digestVerdictMrkdwn(event.digest)}\n${message.text}`;
      }
      if (place === 'requester-dm') {
        const origin: KnownBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: artifactOrigin(request) }] };
        message.blocks = [origin, ...message.blocks].slice(0, MESSAGE_BLOCKS_MAX);
      }
      await this.#post(request, place, message);
      return;
    }
    const text = this.#threadText(request, event);
    await this.#post(request, place, { text: place === 'requester-dm' ? `${artifactOrigin(request)}\n${text}` : text });
  }

  /** Into the status thread, or (`requester-dm`) to the requester directly. */
  async #post(request: CaptureRequest, place: NoticePlace, message: { text: string; blocks?: KnownBlock[] }) {
    const where =
      place === 'requester-dm'
        ? { channel: request.requestedBy }
        : (() => {
            const thread = this.#thread(request);
            return { channel: thread.channelId, thread_ts: thread.threadTs };
          })();
    await delivering('chat.postMessage', () => this.#client.chat.postMessage({ ...where, ...message }));
  }

  /** files.delete (a bot may delete its own files); `file_not_found` means it is already gone. */
  async removeFile(fileId: string): Promise<'removed' | 'gone'> {
    try {
      await this.#client.files.delete({ file: fileId });
      return 'removed';
    } catch (error) {
      if (slackErrorCode(error) === 'file_not_found') return 'gone';
      throw toDeliveryError(error, 'files.delete');
    }
  }

  async tellDeviceOwner(view: StatusView, email: string): Promise<OwnerNotice> {
    const { request } = view;
    let ownerId: string | null = null;
    try {
      const { user } = await this.#client.users.lookupByEmail({ email });
      ownerId = user?.id ?? null;
    } catch (error) {
      // No one in this workspace has that email: nothing to send (the audit notes it). Anything else is retried.
      if (slackErrorCode(error) !== 'users_not_found') throw toDeliveryError(error, 'users.lookupByEmail');
    }
    if (!ownerId) return 'not-in-slack';
    if (ownerId === request.requestedBy) return 'is-requester';
    const devices = request.devices.filter((d) => d.email.toLowerCase() === email.toLowerCase());
    const message = ownerNoticeMessage(request, devices);
    await delivering('chat.postMessage', () => this.#client.chat.postMessage({ channel: ownerId, ...message }));
    return 'told';
  }

  #threadText(request: CaptureRequest, event: ThreadEvent): string {
    switch (event.kind) {
      case 'device-failed':
        return deviceFailedMessage(event.device, event.commands, event.facts).text;
      case 'finished':
        return finishedMessage(request, event.outcome, this.#destination).text;
      case 'options':
        return optionsMessage(request);
      case 'command-failed':
        return commandFailedMessage(event.device, event.command);
      case 'command-timed-out':
        return commandTimedOutMessage(event.device, event.command);
      case 'upload-failed':
        return uploadFailedMessage(event.device, event.command.type, this.#dashboardUrl, event.upload.failure);
      case 'results-in-dashboard':
        return resultsInDashboardMessage(event.device, event.command, this.#dashboardUrl);
      case 'stopped':
        return stoppedWatchingText(event.by);
      case 'status-replaced':
        return statusReplacedMessage(request);
      case 'digest':
        return digestVerdictMrkdwn(event.digest);
      case 'file-removed':
        return fileRemovedMessage(event.upload.fileName, this.#retentionMs);
      case 'approved':
        return approvedMessage(request, event.by);
    }
  }

  #render(view: StatusView, { newPost = false } = {}) {
    return statusMessage({
      ...view,
      newPost,
      dashboardUrl: this.#dashboardUrl,
      artifactDestination: this.#destination,
      approvers: this.#approvers,
    });
  }

  /** Approver handles become ids, so the status can mention the groups; one Slack can't resolve is shown by name. */
  async #resolveApprovers(): Promise<void> {
    const groups = this.#approverGroups;
    if (!groups || this.#approvers.every((group) => /^S[A-Z0-9]+$/.test(group))) return;
    this.#approvers = await Promise.all(groups.groups.map((group) => groups.idOf(group).catch(() => group)));
  }

  #remember(ts: string, message: unknown): void {
    this.#shown.set(ts, JSON.stringify(message));
    // Only recent messages get updates; keep the memory bounded.
    if (this.#shown.size > 1000) this.#shown.delete(this.#shown.keys().next().value as string);
  }

  /** Where a request's zips go: its status thread, or (ARTIFACT_DESTINATION=dm) the requester's DM. */
  async #artifactPlace(request: CaptureRequest): Promise<FilePlace> {
    if (this.#destination === 'thread') return this.#thread(request);
    const { channel } = await delivering('conversations.open', () =>
      this.#client.conversations.open({ users: request.requestedBy }),
    );
    if (!channel?.id) throw new DeliveryError('failed', 'Slack did not open a direct message with the requester');
    return { channelId: channel.id };
  }

  #thread(request: CaptureRequest): { channelId: string; threadTs: string } {
    if (!request.statusMessage) throw new DeliveryError('failed', `request ${request.id} has no status message yet`);
    return { channelId: request.statusMessage.channelId, threadTs: request.statusMessage.ts };
  }
}

/**
 * ARTIFACT_DESTINATION=digest: the bytes are read as they stream (so the digest is made) and then dropped; no file
 * ever reaches Slack. What was inside is told in the thread by the `digest` notice, through the outbox.
 */
class DigestOnlySink implements ArtifactSink {
  async reserve(info: ArtifactInfo) {
    const fileName = artifactFileName({
      device: info.device,
      type: info.command.type,
      createdAt: info.command.createdAt,
    });
    return { fileId: DIGEST_ONLY_FILE_ID, fileName, uploadUrl: 'digest-only:' };
  }

  async send(_uploadUrl: string, body: Readable, _bytes: number, signal: AbortSignal): Promise<void> {
    await pipeline(body, new Writable({ write: (_chunk, _encoding, done) => done() }), { signal });
  }

  async publish(): Promise<void> {
    // Nothing to share: the digest notice says what was inside.
  }

  async isPublished(): Promise<boolean> {
    return true;
  }
}

class SlackArtifactSink implements ArtifactSink {
  constructor(
    private readonly upload: StreamedUpload,
    private readonly place: (request: CaptureRequest) => Promise<FilePlace>,
  ) {}

  async reserve(info: ArtifactInfo) {
    const fileName = artifactFileName({
      device: info.device,
      type: info.command.type,
      createdAt: info.command.createdAt,
    });
    return { ...(await this.upload.reserve(fileName, info.bytes)), fileName };
  }

  send(uploadUrl: string, body: Readable, bytes: number, signal: AbortSignal): Promise<void> {
    return this.upload.send(uploadUrl, body, bytes, signal);
  }

  async publish(
    fileId: string,
    info: ArtifactInfo & { fileName: string; interfaces: InterfaceResult[] | null; digest: ArtifactDigest | null },
  ) {
    const place = await this.place(info.request);
    // The file says what is inside it; its title names the device and type, and Slack shows its size.
    const lines = [
      info.digest
        ? digestVerdictMrkdwn(info.digest)
        : artifactComment({ type: info.command.type, interfaces: info.interfaces }),
    ];
    // Away from its thread, a file says which request it belongs to.
    if (!place.threadTs) lines.push(artifactOrigin(info.request));
    const comment = lines.filter(Boolean).join('\n');
    const title = artifactTitle(typeLabel(info.command.type), info.device);
    await this.upload.publish(fileId, { ...place, title, comment });
  }

  async isPublished(fileId: string, info: ArtifactInfo): Promise<boolean> {
    return this.upload.isShared(fileId, await this.place(info.request));
  }
}
