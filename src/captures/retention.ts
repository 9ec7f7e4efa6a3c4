import type { Logger } from '../logger.js';
import { type AuditTrail, requestAuditEvent } from './audit.js';
import type { Leases } from './leases.js';
import { type ArtifactUpload, DIGEST_ONLY_FILE_ID } from './model.js';
import type { NoticeBoard } from './notices.js';
import type { RequestStore, UploadStore } from './store.js';

/** Files looked at per sweep; the rest wait for the next tick. */
const BATCH = 50;
/** A removal Slack refused waits this long, doubling (1 min, 2 min, … up to 6 hours). */
const BASE_DELAY_MS = 60_000;
const MAX_DELAY_MS = 6 * 3_600_000;

/** Removes a file the bot uploaded. `gone`: Slack no longer has it (deleted by someone, or by us before a crash). */
export interface FileRemover {
  removeFile(fileId: string): Promise<'removed' | 'gone'>;
}

export interface RetentionMetrics {
  fileRemoval?(outcome: 'removed' | 'already-gone' | 'retried'): void;
}

export interface RetentionDeps {
  store: Pick<UploadStore, 'uploadsToRemove' | 'getUpload' | 'updateUpload'> & Pick<RequestStore, 'getRequest'>;
  /** Each removal is recorded: the reviewer sees when a capture's files left Slack. */
  audit?: Pick<AuditTrail, 'record'>;
  files: FileRemover;
  notices: Pick<NoticeBoard, 'tell' | 'statusChanged'>;
  /** ARTIFACT_RETENTION: how long a file stays in Slack after it was posted. */
  retentionMs: number;
  logger: Logger;
  now: () => Date;
  /** With replicas on one store: one replica at a time removes a given file. */
  leases?: Leases;
  metrics?: RetentionMetrics;
}

/**
 * The retention policy: each file the bot posted is removed from Slack once it is `retentionMs` old, and its thread
 * is told once. The schedule is the store (when each file was posted, whether it is removed), so restarts and
 * replicas remove each file exactly once: a lease per file, and the record read again under it. A file Slack no
 * longer has counts as removed; other failures are retried with backoff.
 */
export class FileRetention {
  #sweeping: Promise<void> | null = null;

  constructor(private readonly deps: RetentionDeps) {}

  /** Removes the files that are due (each poll tick); one sweep at a time. */
  sweep(): Promise<void> {
    this.#sweeping ??= this.#sweep()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'file retention sweep failed; will try again'))
      .finally(() => {
        this.#sweeping = null;
      });
    return this.#sweeping;
  }

  async #sweep(): Promise<void> {
    const now = this.deps.now();
    const due = await this.deps.store.uploadsToRemove(new Date(now.getTime() - this.deps.retentionMs), now, BATCH);
    for (const upload of due) await this.#remove(upload);
  }

  async #remove(upload: ArtifactUpload): Promise<void> {
    const { store, files, notices, leases, logger, metrics } = this.deps;
    const lease = (await leases?.hold(`removal:${upload.commandId}`)) ?? null;
    if (leases && !lease) return;
    try {
      // Read again under the lease: another replica may have removed it a moment ago.
      const current = await store.getUpload(upload.commandId);
      if (!current?.fileId || current.removedAt) return;
      if (current.fileId === DIGEST_ONLY_FILE_ID) {
        // Never a file in Slack (digests only, before the destination changed): nothing to remove or tell.
        await store.updateUpload(current.commandId, { removedAt: this.deps.now() });
        return;
      }
      let outcome: 'removed' | 'gone';
      try {
        outcome = await files.removeFile(current.fileId);
      } catch (error) {
        const attempts = current.removalAttempts + 1;
        const delay = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempts - 1));
        logger.warn({ err: error, commandId: current.commandId, attempts }, 'Slack did not remove a file; will retry');
        await store.updateUpload(current.commandId, {
          removalAttempts: attempts,
          removalNextAt: new Date(this.deps.now().getTime() + delay),
        });
        metrics?.fileRemoval?.('retried');
        return;
      }
      // The thread's line and the audit row are recorded before the file is marked removed: a stop in between
      // only means the next sweep finds it gone (the line is told once whatever happens; the audit says "gone").
      await notices.tell(current.requestId, { kind: 'file-removed', commandId: current.commandId });
      await this.#audit(current, outcome === 'gone');
      await store.updateUpload(current.commandId, { removedAt: this.deps.now(), removalNextAt: null });
      metrics?.fileRemoval?.(outcome === 'removed' ? 'removed' : 'already-gone');
      // The status message's footer says so once every file is gone.
      await notices.statusChanged(current.requestId);
    } finally {
      await lease?.release();
    }
  }

  async #audit(upload: ArtifactUpload, alreadyGone: boolean): Promise<void> {
    const { audit, store, logger } = this.deps;
    if (!audit) return;
    try {
      const request = await store.getRequest(upload.requestId);
      const row = {
        at: this.deps.now(),
        userId: request?.requestedBy ?? 'unknown',
        action: 'file-removed' as const,
        devices: [],
        types: [],
        options: null,
        commandIds: [upload.commandId],
        outcome: { kind: 'file-removed' as const, fileName: upload.fileName, alreadyGone },
      };
      await audit.record(
        request
          ? requestAuditEvent(request, { ...row, channelId: request.channelId })
          : { ...row, channelId: null, requestId: upload.requestId },
      );
    } catch (error) {
      logger.error({ err: error }, 'could not record a file removal in the audit trail');
    }
  }
}
