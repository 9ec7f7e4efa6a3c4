import { yieldsFile } from '../capture-types/registry.js';
import type { DexClient } from '../dex/client.js';
import type { Command } from '../dex/types.js';
import type { Logger } from '../logger.js';
import type { Leases } from './leases.js';
import { COMMAND_TIMEOUT_MS, isFinal, type TrackedCommand } from './model.js';
import type { NoticeBoard } from './notices.js';
import { failuresOn } from './outcome.js';
import type { ArtifactRelay } from './relay.js';
import type { CommandStore, RequestStore } from './store.js';

/** Cloudflare's clock and ours may differ; list a little earlier than our oldest command. */
const CLOCK_SKEW_MS = 5 * 60_000;

export interface TrackerDeps {
  store: Pick<RequestStore, 'activeRequests' | 'getRequest' | 'updateRequest'> &
    Pick<CommandStore, 'commandsForRequest' | 'trackedCommands' | 'updateCommand'>;
  dex: Pick<DexClient, 'iterateCommands'>;
  notices: Pick<NoticeBoard, 'tell' | 'statusChanged' | 'flush'>;
  relay: Pick<ArtifactRelay, 'enqueue'>;
  logger: Logger;
  pollIntervalMs: number;
  now: () => Date;
  metrics?: TrackerMetrics;
  /** With replicas on one store: the replica holding the `poll` lease polls the account; the others do not. */
  leases?: Leases;
  /** Run by every replica each tick: take up unclaimed work (see CaptureService.resume). */
  adoptAbandoned?: () => Promise<void>;
  /** Run by every replica each tick, after the notices: housekeeping such as removing expired files. */
  sweep?: () => Promise<void>;
}

/** What the tracker reports, for metrics; plain callbacks, so the domain knows nothing of how they are kept. */
export interface TrackerMetrics {
  /** A command reached a final state (SUCCESS, FAILED or TIMED_OUT). */
  commandFinished?(state: string): void;
  /** How many commands are tracked, set on every poll. */
  trackedCommands?(count: number): void;
}

/**
 * Follows every tracked command of the account with one list walk per tick (one call per page of 50, newest
 * first, stopping once every tracked command is seen) — never one call per command. Writes each change to
 * the store, then tells people through the notice board (which retries on its own), so one request's trouble in
 * Slack never holds up the others.
 */
export class CaptureTracker {
  #timer: NodeJS.Timeout | null = null;
  #ticking: Promise<void> | null = null;
  readonly #now: () => Date;

  constructor(private readonly deps: TrackerDeps) {
    this.#now = deps.now;
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), this.deps.pollIntervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#ticking;
    await this.deps.leases?.release('poll').catch(() => {});
  }

  /** After a restart: bring every running request's status message up to date with what is stored. */
  async resume(): Promise<void> {
    for (const request of await this.deps.store.activeRequests()) {
      if (request.state === 'running') await this.#settle(request.id);
    }
  }

  /** One poll. Overlapping calls share the poll in flight. */
  tick(): Promise<void> {
    this.#ticking ??= this.#poll()
      .catch((error) => this.deps.logger.warn({ err: error }, 'capture poll failed; will try again next tick'))
      .finally(() => {
        this.#ticking = null;
      });
    return this.#ticking;
  }

  async #poll(): Promise<void> {
    const { metrics, leases } = this.deps;
    const polling = !leases || (await leases.claim('poll'));
    // Every replica, each tick: unfinished uploads, abandoned starts and due notices go to whichever replica claims
    // them first, so the work is shared and a stopped replica's share is taken over.
    await this.deps.adoptAbandoned?.();
    await this.deps.notices.flush();
    await this.deps.sweep?.();
    if (!polling) return;
    const tracked = await this.deps.store.trackedCommands();
    metrics?.trackedCommands?.(tracked.length);
    await this.#finishSettled(tracked);
    if (tracked.length === 0) return;

    const listed = await this.#listTracked(tracked);
    const now = this.#now();
    const changedRequests = new Set<string>();
    let stillTracked = tracked.length;
    for (const command of tracked) {
      const update = nextState(command, listed.get(command.id), now);
      if (!update) continue;
      // The artifact's trip to Slack is recorded before the command stops being tracked, so a crash in
      // between cannot lose it.
      const finished = { ...command, ...update };
      if (update.status === 'SUCCESS' && yieldsFile(finished)) await this.deps.relay.enqueue(finished);
      await this.deps.store.updateCommand(command.id, update);
      changedRequests.add(command.requestId);
      if (isFinal(update.status)) {
        stillTracked--;
        metrics?.commandFinished?.(update.status);
      }
    }
    metrics?.trackedCommands?.(stillTracked);
    for (const requestId of changedRequests) await this.#settle(requestId);
  }

  /**
   * Running requests whose every command is already final: a poller stopped between recording the last change
   * and rewriting the status message. Rewritten now, so every status message ends true.
   */
  async #finishSettled(tracked: TrackedCommand[]): Promise<void> {
    const { store } = this.deps;
    // Only a request with nothing left to follow can be settled: the others cost no query.
    const following = new Set(tracked.map((c) => c.requestId));
    for (const request of await store.activeRequests()) {
      if (request.state !== 'running' || following.has(request.id)) continue;
      const commands = await store.commandsForRequest(request.id);
      if (commands.length > 0 && commands.every((c) => isFinal(c.status))) await this.#settle(request.id);
    }
  }

  async #listTracked(tracked: TrackedCommand[]): Promise<Map<string, Command>> {
    const wanted = new Set(tracked.map((c) => c.id));
    const oldest = Math.min(...tracked.map((c) => c.createdAt.getTime()));
    const found = new Map<string, Command>();
    for await (const command of this.deps.dex.iterateCommands({ from: new Date(oldest - CLOCK_SKEW_MS) })) {
      if (!wanted.has(command.id)) continue;
      found.set(command.id, command);
      if (found.size === wanted.size) break;
    }
    return found;
  }

  /**
   * Records what people must be told about a request's commands (each device's failures once), marks the request
   * finished once every command is final, and asks for its status message to be brought up to date. A failure here
   * is logged and stays with this request: the next tick tries again, and the other requests go on.
   */
  async #settle(requestId: string): Promise<void> {
    const { store, notices, logger } = this.deps;
    try {
      const request = await store.getRequest(requestId);
      if (!request) return;
      const commands = await store.commandsForRequest(requestId);
      for (const { device } of request.devices.flatMap((d) => failuresOn(d, request.types, commands))) {
        await notices.tell(requestId, { kind: 'device-failed', deviceId: device.deviceId });
      }
      for (const command of commands) {
        if (command.status === 'SUCCESS' && !yieldsFile(command)) {
          await notices.tell(requestId, { kind: 'results-in-dashboard', commandId: command.id });
        }
      }
      if (request.state === 'running' && commands.every((c) => isFinal(c.status))) {
        await store.updateRequest(requestId, { state: 'finished' });
      }
      await notices.statusChanged(requestId);
    } catch (error) {
      logger.warn({ err: error, requestId }, 'could not record what changed for a request; will try again next tick');
    }
  }
}

/** What changes for a tracked command given what the list says now, or null when nothing does. */
export function nextState(command: TrackedCommand, listed: Command | undefined, now: Date) {
  // A command still followed may already hold a final status: one confirmed from the list after a lost create
  // answer is stored with the status listed then. Its end is handled like any other (its file is relayed).
  if (listed && (listed.status !== command.status || isFinal(listed.status))) {
    const final = isFinal(listed.status);
    return {
      status: listed.status,
      updatedAt: now,
      completedAt: listed.completedAt ?? (final ? now : null),
      filename: listed.filename,
      tracking: !final,
    };
  }
  if (now.getTime() - command.createdAt.getTime() >= COMMAND_TIMEOUT_MS) {
    return { status: 'TIMED_OUT', updatedAt: now, completedAt: now, tracking: false };
  }
  return null;
}
