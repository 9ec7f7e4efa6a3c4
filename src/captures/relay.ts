import { pipeline } from 'node:stream/promises';
import { setTimeout as delay } from 'node:timers/promises';
import type { DexClient } from '../dex/client.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { HeldLease, Leases } from './leases.js';
import type { ArtifactUpload, TrackedCommand } from './model.js';
import type { ArtifactInfo, Notifier } from './notifier.js';
import { PcapResultsReader, summarizePcapResults } from './pcap-results.js';
import { resumableDownload } from './resumable-download.js';

const MAX_ATTEMPTS = 3;
/** Grows with each attempt: a fault on either side often needs a moment to clear. */
const RETRY_DELAY_MS = 1_000;

export interface RelayDeps {
  store: Store;
  dex: Pick<DexClient, 'download'>;
  notifier: Notifier;
  logger: Logger;
  now?: () => Date;
  /** Uploads running at once; each holds one download and one upload connection. */
  concurrency?: number;
  /** With replicas on one store: each artifact is relayed by the replica that holds its lease. */
  leases?: Leases;
  metrics?: RelayMetrics;
}

/** What the relay reports, for metrics; plain callbacks, so the domain knows nothing of how they are kept. */
export interface RelayMetrics {
  /** An artifact was posted in Slack, this long after its command was created. */
  artifactPosted?(event: { secondsSinceCreated: number }): void;
  /** Bytes streamed from Cloudflare into Slack by one finished transfer. */
  bytesRelayed?(bytes: number): void;
}

/**
 * Moves each finished artifact from Cloudflare into the request's Slack thread, streaming: the bytes pass
 * through and are never held. Each step is stored before the next, so after a restart an artifact is resumed,
 * and lands in its thread exactly once.
 */
export class ArtifactRelay {
  readonly #queue: string[] = [];
  readonly #queued = new Set<string>();
  readonly #running = new Set<Promise<void>>();
  readonly #now: () => Date;
  readonly #concurrency: number;

  constructor(private readonly deps: RelayDeps) {
    this.#now = deps.now ?? (() => new Date());
    this.#concurrency = deps.concurrency ?? 2;
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
      summary: null,
      error: null,
      attempts: 0,
      updatedAt: this.#now(),
    });
    if (upload.step !== 'done' && upload.step !== 'failed') this.#push(command.id);
  }

  /** Queues every upload a previous run left unfinished. */
  async resume(): Promise<void> {
    for (const upload of await this.deps.store.unfinishedUploads()) this.#push(upload.commandId);
  }

  /** Resolves when nothing is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#queue.length > 0) await Promise.race(this.#running);
  }

  #push(commandId: string): void {
    if (this.#queued.has(commandId)) return;
    this.#queued.add(commandId);
    this.#queue.push(commandId);
    this.#drain();
  }

  #drain(): void {
    while (this.#running.size < this.#concurrency && this.#queue.length > 0) {
      const commandId = this.#queue.shift() as string;
      const run = this.#relay(commandId)
        .catch((error) => this.deps.logger.error({ err: error, commandId }, 'artifact relay failed unexpectedly'))
        .finally(() => {
          this.#running.delete(run);
          this.#queued.delete(commandId);
          this.#drain();
        });
      this.#running.add(run);
    }
  }

  async #relay(commandId: string): Promise<void> {
    // One replica at a time: the others skip it now, and take it over if this one dies (its lease expires).
    const lease = (await this.deps.leases?.hold(`upload:${commandId}`)) ?? null;
    if (this.deps.leases && !lease) return;
    try {
      await this.#relayHeld(commandId, lease);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) throw error;
      this.deps.logger.warn({ commandId }, 'artifact lease lost to another replica; leaving the upload to it');
    } finally {
      await lease?.release();
    }
  }

  async #relayHeld(commandId: string, lease: HeldLease | null): Promise<void> {
    const { store } = this.deps;
    // Publishing is the one step that shows: never after another replica may have taken the artifact over.
    const ensureHeld = async () => {
      if (lease && !(await lease.renew())) throw new LeaseLostError();
    };
    const context = await this.#load(commandId);
    if (!context) return;
    const { request, command, info } = context;
    let { upload } = context;

    while (upload.step !== 'done' && upload.step !== 'failed') {
      try {
        if (upload.step === 'completing' && upload.fileId) {
          // The bytes arrived before a restart; publishing again is safe for the same file.
          await ensureHeld();
          await this.deps.notifier.artifacts.publish(upload.fileId, {
            ...info,
            fileName: upload.fileName,
            summary: upload.summary,
          });
          await store.updateUpload(commandId, { step: 'done', updatedAt: this.#now() });
          upload = { ...upload, step: 'done' };
        } else {
          // pending, or uploading cut short: an unfinished Slack upload is invisible, so start it over.
          upload = await this.#transfer(upload, info, ensureHeld);
        }
      } catch (error) {
        if (error instanceof LeaseLostError) throw error;
        const attempts = upload.attempts + 1;
        const reason = error instanceof Error ? error.message : String(error);
        this.deps.logger.warn({ commandId, attempts, reason }, 'artifact relay attempt failed');
        if (attempts >= MAX_ATTEMPTS) {
          await store.updateUpload(commandId, { step: 'failed', attempts, error: reason, updatedAt: this.#now() });
          await this.deps.notifier.postInThread(request, {
            kind: 'upload-failed',
            device: info.device,
            command,
            reason,
          });
          return;
        }
        await store.updateUpload(commandId, { attempts, error: reason, updatedAt: this.#now() });
        upload = { ...upload, attempts };
        await delay(RETRY_DELAY_MS * attempts);
      }
    }
    if (upload.step === 'done') {
      const secondsSinceCreated = (this.#now().getTime() - command.createdAt.getTime()) / 1000;
      this.deps.metrics?.artifactPosted?.({ secondsSinceCreated });
    }
  }

  async #transfer(
    upload: ArtifactUpload,
    info: ArtifactInfo,
    ensureHeld: () => Promise<void>,
  ): Promise<ArtifactUpload> {
    const { store, dex, notifier } = this.deps;
    const download = await dex.download(info.command);
    const bytes = download.contentLength;
    if (bytes === null) {
      download.stream.destroy();
      throw new Error('Cloudflare did not say how large the artifact is');
    }
    // A download Cloudflare cuts off is resumed within this one stream, so the Slack upload carries on.
    const source = resumableDownload(dex, info.command, download, bytes, {
      onResume: (event) =>
        this.deps.logger.info({ commandId: upload.commandId, ...event }, 'artifact download cut off; resuming'),
    });
    // For PCAP, results.json is read from the zip as it streams past (it says which interfaces were captured).
    const reader = info.command.type === 'pcap' ? new PcapResultsReader() : null;
    let reserved: Awaited<ReturnType<typeof notifier.artifacts.reserve>>;
    try {
      reserved = await notifier.artifacts.reserve({ ...info, bytes });
      await store.updateUpload(upload.commandId, {
        step: 'uploading',
        fileId: reserved.fileId,
        fileName: reserved.fileName,
        bytes,
        updatedAt: this.#now(),
      });
      await Promise.all([
        notifier.artifacts.send(reserved.uploadUrl, reader ?? source, bytes),
        reader ? pipeline(source, reader) : undefined,
      ]);
      this.deps.metrics?.bytesRelayed?.(bytes);
    } catch (error) {
      // An unread download holds a connection to Cloudflare: let it go.
      source.destroy();
      reader?.destroy();
      throw error;
    }
    const summary = reader ? summarizePcapResults(reader.results) : null;
    await store.updateUpload(upload.commandId, { step: 'completing', summary, updatedAt: this.#now() });

    await ensureHeld();
    await notifier.artifacts.publish(reserved.fileId, { ...info, bytes, fileName: reserved.fileName, summary });
    await store.updateUpload(upload.commandId, { step: 'done', updatedAt: this.#now() });
    return { ...upload, step: 'done', fileId: reserved.fileId, fileName: reserved.fileName, bytes, summary };
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
    return { request, command, upload, info };
  }
}

/** This replica's lease on an artifact expired and another replica may have taken it over. */
class LeaseLostError extends Error {
  constructor() {
    super('the lease on this artifact was lost');
  }
}
