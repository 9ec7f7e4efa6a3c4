import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { artifactReaderFor, descriptorOf } from '../capture-types/registry.js';
import type { DexClient } from '../dex/client.js';
import { DexError, DexUnsafeArtifactError } from '../dex/errors.js';
import type { ArtifactDigest } from '../digest/artifact-digest.js';
import type { Logger } from '../logger.js';
import type { HeldLease, Leases } from './leases.js';
import type { ArtifactUpload, TrackedCommand, UploadFailure } from './model.js';
import type { NoticeBoard } from './notices.js';
import { type ArtifactInfo, type ArtifactSink, DeliveryError } from './notifier.js';
import { DownloadCutError, discard, resumableDownload } from './resumable-download.js';
import { spool } from './spool.js';
import type { CommandStore, RequestStore, UploadStore } from './store.js';
import { DEFAULT_PACE, TransferDeadline, type TransferPace, TransferTooSlowError } from './transfer-deadline.js';

const MAX_ATTEMPTS = 3;
/** Grows with each attempt: a fault on either side often needs a moment to clear. Waited without holding a slot. */
const RETRY_DELAY_MS = 1_000;
/** A transfer still running after this gives its slot to the next file (it carries on beside it). */
const SLOW_AFTER_MS = 20_000;
/** However many are slow, at most this many transfers run at once (each holds two connections and some buffers). */
const MAX_RUNNING = 6;
/** A download without a length is spooled to disk (Slack needs the length first); never more than this. */
const MAX_SPOOL_BYTES = 4 * 1024 ** 3;
/** Waited (no attempt counted) while the request's status message, whose thread the file goes to, is not posted. */
const WAIT_FOR_STATUS_MS = 2_000;

export interface RelayTiming {
  pace: TransferPace;
  slowAfterMs: number;
  retryDelayMs: number;
}

export interface RelayDeps {
  store: UploadStore & Pick<RequestStore, 'getRequest'> & Pick<CommandStore, 'commandsForRequest'>;
  dex: Pick<DexClient, 'download' | 'commandAnalysis'>;
  sink: ArtifactSink;
  notices: Pick<NoticeBoard, 'tell' | 'statusChanged'>;
  logger: Logger;
  now: () => Date;
  /** Transfers holding a slot at once; slow ones give theirs up (see SLOW_AFTER_MS). */
  concurrency?: number;
  /** With replicas on one store: each artifact is relayed by the replica that holds its lease. */
  leases?: Leases;
  metrics?: RelayMetrics;
  /** Deadlines and waits; tests shorten them. */
  timing?: Partial<RelayTiming>;
}

/** What the relay reports, for metrics; plain callbacks, so the domain knows nothing of how they are kept. */
export interface RelayMetrics {
  /** An artifact was posted in Slack, this long after its command was created. */
  artifactPosted?(event: { secondsSinceCreated: number }): void;
  /** Bytes streamed from Cloudflare into Slack by one finished transfer. */
  bytesRelayed?(bytes: number): void;
}

interface Running {
  done: Promise<void>;
  /** False once it ran long enough to let the next file start beside it. */
  holdsSlot: boolean;
}

/**
 * Moves each finished artifact from Cloudflare into the request's Slack thread, streaming: the bytes pass
 * through and are never held. Each step is stored before the next, so after a restart an artifact is resumed,
 * and lands in its thread exactly once. Every stream it opens has its errors handled, each transfer has a deadline
 * proportionate to its size, a slow transfer lets the next file start, and a failed attempt waits its turn again
 * without holding a slot.
 */
export class ArtifactRelay {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Map<string, Running>();
  readonly #waiting = new Map<string, { timer: NodeJS.Timeout; done: Promise<void>; fire: () => void }>();
  readonly #now: () => Date;
  readonly #concurrency: number;
  readonly #timing: RelayTiming;

  constructor(private readonly deps: RelayDeps) {
    this.#now = deps.now;
    this.#concurrency = deps.concurrency ?? 2;
    this.#timing = {
      pace: deps.timing?.pace ?? DEFAULT_PACE,
      slowAfterMs: deps.timing?.slowAfterMs ?? SLOW_AFTER_MS,
      retryDelayMs: deps.timing?.retryDelayMs ?? RETRY_DELAY_MS,
    };
  }

  /** Records that this command's artifact must reach Slack (before anything is done about it) and queues it. */
  async enqueue(command: TrackedCommand): Promise<void> {
    const upload = await this.deps.store.ensureUpload({
      commandId: command.id,
      requestId: command.requestId,
      step: 'pending',
      fileName: '',
      fileId: null,
      bytes: null,
      interfaces: null,
      digest: null,
      error: null,
      failure: null,
      attempts: 0,
      nextAttemptAt: null,
      updatedAt: this.#now(),
      postedAt: null,
      removedAt: null,
      removalAttempts: 0,
      removalNextAt: null,
    });
    if (upload.step !== 'done' && upload.step !== 'failed') this.#push(command.id);
  }

  /** Queues every upload left unfinished (by a previous run, or a replica that stopped) whose next try is due. */
  async resume(): Promise<void> {
    const now = this.#now().getTime();
    for (const upload of await this.deps.store.unfinishedUploads()) {
      if (upload.nextAttemptAt && upload.nextAttemptAt.getTime() > now) continue;
      if (!this.#waiting.has(upload.commandId)) this.#push(upload.commandId);
    }
  }

  /** Resolves when nothing is queued, running or waiting to retry (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#queue.length > 0 || this.#waiting.size > 0) {
      await Promise.race([
        ...[...this.#running.values()].map((r) => r.done),
        ...[...this.#waiting.values()].map((w) => w.done),
      ]);
    }
  }

  isIdle(): boolean {
    return this.#running.size === 0 && this.#queue.length === 0 && this.#waiting.size === 0;
  }

  /** Drops waits for retries (shutdown): each retry's time is stored, and the next start takes it up. */
  stopWaiting(): void {
    for (const [commandId, waiting] of this.#waiting) {
      clearTimeout(waiting.timer);
      this.#waiting.delete(commandId);
      waiting.fire();
    }
  }

  #push(commandId: string): void {
    if (this.#queued.has(commandId)) return;
    this.#queued.add(commandId);
    this.#queue.push(commandId);
    this.#drain();
  }

  #drain(): void {
    const holdingSlots = () => [...this.#running.values()].filter((r) => r.holdsSlot).length;
    while (holdingSlots() < this.#concurrency && this.#running.size < MAX_RUNNING && this.#queue.length > 0) {
      const commandId = this.#queue.shift() as string;
      const entry: Running = { done: Promise.resolve(), holdsSlot: true };
      const slow = setTimeout(() => {
        entry.holdsSlot = false;
        this.#drain();
      }, this.#timing.slowAfterMs);
      slow.unref();
      entry.done = this.#relay(commandId)
        .catch((error) => this.deps.logger.error({ err: error, commandId }, 'artifact relay failed unexpectedly'))
        .finally(() => {
          clearTimeout(slow);
          this.#running.delete(commandId);
          this.#queued.delete(commandId);
          this.#drain();
        });
      this.#running.set(commandId, entry);
    }
  }

  /** Queues the artifact again once `delayMs` has passed (its slot goes to the next file meanwhile). */
  #retryLater(commandId: string, delayMs: number): void {
    let fire = () => {};
    const done = new Promise<void>((resolve) => {
      fire = resolve;
    });
    const timer = setTimeout(() => {
      this.#waiting.delete(commandId);
      fire();
      this.#push(commandId);
    }, delayMs);
    timer.unref();
    this.#waiting.set(commandId, { timer, done, fire });
  }

  async #relay(commandId: string): Promise<void> {
    // One replica at a time: the others skip it now, and take it over if this one dies (its lease expires).
    const lease = (await this.deps.leases?.hold(`upload:${commandId}`)) ?? null;
    if (this.deps.leases && !lease) return;
    try {
      await this.#attempt(commandId, lease);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.deps.logger.warn({ commandId }, 'artifact lease lost to another replica; leaving the upload to it');
    } finally {
      await lease?.release();
    }
  }

  /** One attempt at an artifact, from the step the store records; a failure is stored and retried later. */
  async #attempt(commandId: string, lease: HeldLease | null): Promise<void> {
    const { store, sink, logger } = this.deps;
    // Publishing is the one step that shows: never after another replica may have taken the artifact over.
    const ensureHeld = async () => {
      if (lease && !(await lease.renew())) throw new LeaseLostError();
    };
    const context = await this.#load(commandId);
    if (!context) return;
    const { info } = context;
    let { upload } = context;
    if (!info.request.statusMessage) {
      this.#retryLater(commandId, WAIT_FOR_STATUS_MS);
      return;
    }

    try {
      if (upload.step === 'completing' && upload.fileId) {
        // The bytes reached Slack before a restart or a failed publish. Slack may even have shared the file
        // already, with the bot stopped before it could record that: look before sharing it again.
        await ensureHeld();
        if (!(await sink.isPublished(upload.fileId, info))) {
          await sink.publish(upload.fileId, {
            ...info,
            fileName: upload.fileName,
            interfaces: upload.interfaces,
            digest: upload.digest,
          });
        }
      } else {
        // pending, or uploading cut short: an unfinished Slack upload is invisible, so start it over.
        upload = await this.#transfer(upload, info, ensureHeld);
      }
      const posted = this.#now();
      await store.updateUpload(commandId, {
        step: 'done',
        error: null,
        nextAttemptAt: null,
        updatedAt: posted,
        postedAt: posted,
      });
    } catch (error) {
      if (error instanceof LeaseLostError) throw error;
      const attempts = upload.attempts + 1;
      const reason = error instanceof Error ? error.message : String(error);
      logger.warn({ commandId, attempts, reason }, 'artifact relay attempt failed');
      if (attempts >= MAX_ATTEMPTS) {
        const failure = failureOf(error);
        await store.updateUpload(commandId, {
          step: 'failed',
          attempts,
          error: reason,
          failure,
          updatedAt: this.#now(),
        });
        await this.deps.notices.tell(info.request.id, { kind: 'upload-failed', commandId });
        await this.deps.notices.statusChanged(info.request.id);
        return;
      }
      const delay = this.#timing.retryDelayMs * attempts;
      await store.updateUpload(commandId, {
        attempts,
        error: reason,
        nextAttemptAt: new Date(this.#now().getTime() + delay),
        updatedAt: this.#now(),
      });
      this.#retryLater(commandId, delay);
      return;
    }
    // The figures follow the file in its thread (told once, even when this publish was a retry).
    if (upload.digest) await this.deps.notices.tell(info.request.id, { kind: 'digest', commandId });
    const secondsSinceCreated = (this.#now().getTime() - info.command.createdAt.getTime()) / 1000;
    this.deps.metrics?.artifactPosted?.({ secondsSinceCreated });
    // The status line may change with what the file says (a packet capture with a failed interface is partial).
    await this.deps.notices.statusChanged(info.request.id);
  }

  /**
   * Downloads the artifact and streams it into Slack in one pass, under one deadline. A download without a length
   * is spooled to a private temporary file first (Slack needs the length before the bytes). Whatever fails, every
   * stream is destroyed with its errors handled and the temporary file is removed.
   */
  async #transfer(
    upload: ArtifactUpload,
    info: ArtifactInfo,
    ensureHeld: () => Promise<void>,
  ): Promise<ArtifactUpload> {
    const { store, dex, sink } = this.deps;
    const download = await dex.download(info.command);
    const deadline = new TransferDeadline(this.#timing.pace, download.contentLength, () => Date.now());
    let source: Readable | null = null;
    let removeSpool: (() => Promise<void>) | null = null;
    try {
      let bytes = download.contentLength;
      if (bytes === null) {
        const spooled = await spool(download.stream, { signal: deadline.signal, maxBytes: MAX_SPOOL_BYTES });
        removeSpool = spooled.remove;
        bytes = spooled.bytes;
        source = spooled.open();
      } else {
        // A download Cloudflare cuts off is resumed within this one stream, so the Slack upload carries on.
        source = resumableDownload(dex, info.command, download, bytes, {
          onResume: (event) =>
            this.deps.logger.info({ commandId: upload.commandId, ...event }, 'artifact download cut off; resuming'),
        });
      }
      const reserved = await sink.reserve({ ...info, bytes });
      await store.updateUpload(upload.commandId, {
        step: 'uploading',
        fileId: reserved.fileId,
        fileName: reserved.fileName,
        bytes,
        updatedAt: this.#now(),
      });
      // A type may read facts from its zip as it streams past (the digest of what is inside).
      const reader = artifactReaderFor(info.command.type, reserved.fileName, info.request.options);
      const meter = deadline.meter();
      const body = reader?.stream ?? meter;
      const piping = reader
        ? pipeline(source, meter, reader.stream, { signal: deadline.signal })
        : pipeline(source, meter, { signal: deadline.signal });
      await Promise.all([piping, sink.send(reserved.uploadUrl, body, bytes, deadline.signal)]);
      this.deps.metrics?.bytesRelayed?.(bytes);

      const interfaces = reader ? reader.interfaces() : null;
      const digest = await this.#withAnalysis(info.command, reader ? reader.digest() : null);
      await store.updateUpload(upload.commandId, { step: 'completing', interfaces, digest, updatedAt: this.#now() });
      await ensureHeld();
      await sink.publish(reserved.fileId, { ...info, bytes, fileName: reserved.fileName, interfaces, digest });
      return {
        ...upload,
        step: 'done',
        fileId: reserved.fileId,
        fileName: reserved.fileName,
        bytes,
        interfaces,
        digest,
      };
    } catch (error) {
      // A deadline's abort shows up as an AbortError from whichever stream noticed first: report the deadline.
      throw deadline.signal.aborted ? deadline.signal.reason : error;
    } finally {
      deadline.done();
      if (source) {
        source.on('error', () => {});
        source.destroy();
      }
      discard(download.stream);
      await removeSpool?.();
    }
  }

  /** Adds Cloudflare's own analysis (its detections that occurred) to a WARP bundle's digest, when it answers. */
  async #withAnalysis(command: TrackedCommand, digest: ArtifactDigest | null): Promise<ArtifactDigest | null> {
    if (digest?.kind !== 'warp-diag' || !descriptorOf(command.type)?.artifact.cloudflareAnalysis) return digest;
    const detections = await this.deps.dex.commandAnalysis(command.id);
    return detections && detections.length > 0 ? { ...digest, analysis: detections } : digest;
  }

  async #load(commandId: string) {
    const { store } = this.deps;
    const upload = await store.getUpload(commandId);
    if (!upload || upload.step === 'done' || upload.step === 'failed') return null;
    const request = await store.getRequest(upload.requestId);
    const command = request && (await store.commandsForRequest(request.id)).find((c) => c.id === commandId);
    const device = command && request?.devices.find((d) => d.deviceId === command.deviceId);
    if (!request || !command || !device) {
      this.deps.logger.error({ commandId }, 'artifact relay: request, command or device missing from the store');
      return null;
    }
    const info: ArtifactInfo = { request, device, command, bytes: upload.bytes ?? 0 };
    return { upload, info };
  }
}

/** Why an artifact's last attempt failed, in the terms people are told. */
function failureOf(error: unknown): UploadFailure {
  if (error instanceof TransferTooSlowError) return 'too-slow';
  if (error instanceof DexUnsafeArtifactError) return 'unsafe-reference';
  if (error instanceof DeliveryError) return 'slack';
  if (error instanceof DexError || error instanceof DownloadCutError) return 'cloudflare';
  return 'unknown';
}

/** This replica's lease on an artifact expired and another replica may have taken it over. */
class LeaseLostError extends Error {
  constructor() {
    super('the lease on this artifact was lost');
  }
}
