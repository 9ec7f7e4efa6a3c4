import type { Readable } from 'node:stream';
import type { CaptureRequest, StatusMessageRef, TargetDevice, TrackedCommand } from './model.js';

/** Something worth one reply in the status thread. The Slack side turns each into words. */
export type ThreadEvent =
  | { kind: 'options' }
  | { kind: 'command-failed'; device: TargetDevice; command: TrackedCommand }
  | { kind: 'command-timed-out'; device: TargetDevice; command: TrackedCommand }
  | { kind: 'upload-failed'; device: TargetDevice; command: TrackedCommand; reason: string }
  | { kind: 'stopped'; by: string };

export interface ArtifactInfo {
  request: CaptureRequest;
  device: TargetDevice;
  command: TrackedCommand;
  bytes: number;
}

/**
 * How the domain talks to people. Implemented with Slack in `src/slack/notifier.ts`; the domain never
 * imports Slack, so it can be tested without it.
 */
export interface Notifier {
  /** Posts the status message for a request and says where it is. */
  postStatus(request: CaptureRequest, commands: TrackedCommand[]): Promise<StatusMessageRef>;
  /** Rewrites the status message in place. The domain calls it only when something it shows changed. */
  updateStatus(request: CaptureRequest, commands: TrackedCommand[]): Promise<void>;
  /** One reply in the status message's thread. */
  postInThread(request: CaptureRequest, event: ThreadEvent): Promise<void>;
  /** Where artifacts go: a three-step upload so each step can be stored before the next. */
  artifacts: ArtifactSink;
}

export interface ArtifactSink {
  /** Asks for a place to put `info.bytes` bytes; returns the file's id and name and where to send the bytes. */
  reserve(info: ArtifactInfo): Promise<{ fileId: string; fileName: string; uploadUrl: string }>;
  /** Streams the bytes to the reserved place. Never buffers them. */
  send(uploadUrl: string, body: Readable, bytes: number): Promise<void>;
  /** Makes the file appear in the request's thread, with a comment. Safe to call again for the same file. */
  publish(fileId: string, info: ArtifactInfo & { fileName: string; summary: string | null }): Promise<void>;
}
