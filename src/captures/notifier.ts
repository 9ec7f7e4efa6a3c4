import type { Readable } from 'node:stream';
import type { ArtifactDigest } from '../digest/artifact-digest.js';
import type {
  ArtifactUpload,
  CaptureRequest,
  InterfaceResult,
  StatusMessageRef,
  TargetDevice,
  TrackedCommand,
} from './model.js';
import type { RequestOutcome, RequestRecords } from './outcome.js';

/** Everything a status message shows: the request, its commands and what became of their files. */
export type StatusView = RequestRecords;

/** Something worth one reply in the status thread. The Slack side turns each into words. */
export type ThreadEvent =
  | { kind: 'options' }
  | { kind: 'device-failed'; device: TargetDevice; commands: TrackedCommand[]; facts: DeviceFacts | null }
  | { kind: 'finished'; outcome: RequestOutcome }
  | { kind: 'command-failed'; device: TargetDevice; command: TrackedCommand }
  | { kind: 'command-timed-out'; device: TargetDevice; command: TrackedCommand }
  | { kind: 'upload-failed'; device: TargetDevice; command: TrackedCommand; upload: ArtifactUpload }
  | { kind: 'results-in-dashboard'; device: TargetDevice; command: TrackedCommand }
  | { kind: 'digest'; device: TargetDevice; command: TrackedCommand; digest: ArtifactDigest }
  | { kind: 'file-removed'; device: TargetDevice; command: TrackedCommand; upload: ArtifactUpload }
  | { kind: 'stopped'; by: string }
  /** An approver approved the request (CAPTURE_APPROVERS): the requester hears it, and the captures start. */
  | { kind: 'approved'; by: string }
  | { kind: 'status-replaced' };

/** What Cloudflare last said about a device, when the bot saw it in a search. */
export interface DeviceFacts {
  networkStatus: string | null;
  lastSeenAt: Date | null;
}

/** Where a notice goes: where it belongs, or (once that kept failing) the requester's DM with the bot. */
export type NoticePlace = 'usual' | 'requester-dm';

/**
 * A delivery to Slack failed. `gone`: the message or thread it needed no longer exists or can no longer be edited
 * (deleted, archived, the bot removed) — a new status message is the way on. `failed`: anything else; try again
 * later. The message is for the logs only.
 */
export class DeliveryError extends Error {
  constructor(
    readonly kind: 'gone' | 'failed',
    message: string,
    readonly retryAfterMs: number | null = null,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

export interface ArtifactInfo {
  request: CaptureRequest;
  device: TargetDevice;
  command: TrackedCommand;
  bytes: number;
}

/**
 * How the domain talks to people. Implemented with Slack in `src/slack/notifier.ts`; the domain never imports
 * Slack, so it can be tested without it. Failures are thrown as DeliveryError.
 */
export interface Notifier {
  /** Posts a new status message for a request and says where it went (the DM when the channel refuses the bot). */
  postStatus(view: StatusView, place: NoticePlace): Promise<StatusMessageRef>;
  /** Rewrites the status message in place; sends nothing when what it shows has not changed. */
  updateStatus(view: StatusView): Promise<void>;
  /** One reply in the status message's thread (or, `requester-dm`, a message to the requester about it). */
  postInThread(request: CaptureRequest, event: ThreadEvent, place: NoticePlace): Promise<void>;
  /**
   * A DM to the owner of the request's devices with this email: who started what, for how long, and where to ask.
   * Nothing is sent when no Slack user has that email, or when it is the requester's own.
   */
  tellDeviceOwner(view: StatusView, email: string): Promise<OwnerNotice>;
  /** Where artifacts go: a three-step upload so each step can be stored before the next. */
  artifacts: ArtifactSink;
}

/** What came of telling a device's owner. */
export type OwnerNotice = 'told' | 'is-requester' | 'not-in-slack';

export interface ArtifactSink {
  /** Asks for a place to put `info.bytes` bytes; returns the file's id and name and where to send the bytes. */
  reserve(info: ArtifactInfo): Promise<{ fileId: string; fileName: string; uploadUrl: string }>;
  /** Streams the bytes to the reserved place. Never buffers them. Aborted with `signal`. */
  send(uploadUrl: string, body: Readable, bytes: number, signal: AbortSignal): Promise<void>;
  /** Makes the file appear in the request's thread (or DM), with a comment. */
  publish(
    fileId: string,
    info: ArtifactInfo & { fileName: string; interfaces: InterfaceResult[] | null; digest: ArtifactDigest | null },
  ): Promise<void>;
  /** Whether a file is already shared where `publish` would put it (a restart after Slack took it, before we knew). */
  isPublished(fileId: string, info: ArtifactInfo): Promise<boolean>;
}
