import { randomInt } from 'node:crypto';
import type { DexClient } from '../dex/client.js';
import { DexApiError, DexInputError, DexNetworkError, DexRateLimitError, isDexError } from '../dex/errors.js';
import type { Command, NewCommand, Quota } from '../dex/types.js';
import type { Logger } from '../logger.js';
import type { RequestQuery, Store } from '../store/store.js';
import { WorkQueue } from '../work-queue.js';
import type { AuditTrail } from './audit.js';
import type { DeviceDirectory } from './device-directory.js';
import type { HeldLease, Leases } from './leases.js';
import type { CaptureOptions, CaptureRequest, CaptureType, TargetDevice, TrackedCommand } from './model.js';
import type { Notifier } from './notifier.js';
import type { ArtifactRelay } from './relay.js';

const QUOTA_TTL_MS = 30_000;
/** A submission must be answered within Slack's 3 s; what cannot be checked by then is left to Cloudflare. */
const CHECK_TIMEOUT_MS = 1_500;
const CLOCK_SKEW_MS = 5 * 60_000;

export interface DeviceSelection {
  deviceId: string;
  registrationId: string | null;
  /** The device's name as the person saw it, to find it again if it is not in the directory. */
  hint: string;
}

export interface CaptureSubmission {
  devices: TargetDevice[];
  types: CaptureType[];
  options: CaptureOptions;
  channelId: string;
}

export interface ServiceDeps {
  store: Store;
  audit: AuditTrail;
  dex: Pick<DexClient, 'createCommands' | 'iterateCommands' | 'getQuota'>;
  directory: DeviceDirectory;
  notifier: Notifier;
  relay: Pick<ArtifactRelay, 'resume'>;
  /** With replicas on one store: starting a request is claimed by one of them. */
  leases?: Leases;
  logger: Logger;
  now?: () => Date;
  /** Told once per request whether its captures started (for metrics). */
  onStart?: (outcome: 'started' | 'failed_to_start') => void;
}

/** The rules of a capture request, from a submitted modal to commands running on devices. */
export class CaptureService {
  readonly #now: () => Date;
  #quota: { at: number; value: Promise<Quota> } | null = null;
  #lastQuota: { at: number; value: Quota } | null = null;
  // One start at a time: under a burst, Slack's acknowledgements win the CPU; a start takes a create call
  // (well under a second at Cloudflare) and a few store writes, so even ten queued ones begin within seconds.
  readonly #launches = new WorkQueue(1);
  /** Requests this process is starting, so `resume` never starts one twice. */
  readonly #starting = new Set<string>();

  constructor(private readonly deps: ServiceDeps) {
    this.#now = deps.now ?? (() => new Date());
  }

  /** The account's capture quota, cached briefly (every modal and submission shows it). */
  quota(options: { fresh?: boolean; signal?: AbortSignal } = {}): Promise<Quota> {
    const now = this.#now().getTime();
    if (!options.fresh && this.#quota && now - this.#quota.at < QUOTA_TTL_MS) return this.#quota.value;
    const value = this.deps.dex.getQuota({ signal: options.signal });
    this.#quota = { at: now, value };
    value.then(
      (quota) => {
        this.#lastQuota = { at: now, value: quota };
      },
      () => {
        if (this.#quota?.value === value) this.#quota = null;
      },
    );
    return value;
  }

  /** The quota fetched within the cache time, if any, without waiting: lets a modal open complete in one call. */
  cachedQuota(): Quota | null {
    const last = this.#lastQuota;
    return last && this.#now().getTime() - last.at < QUOTA_TTL_MS ? last.value : null;
  }

  searchDevices(query: string, signal?: AbortSignal) {
    return this.deps.directory.search(query, signal);
  }

  /** A person's eligible devices, for `/capture @alice` and `/capture alice@example.com`. */
  async devicesOf(email: string): Promise<TargetDevice[]> {
    const devices = await this.deps.directory.search(email);
    return devices
      .filter((d) => d.eligible && d.email.toLowerCase() === email.toLowerCase())
      .slice(0, 10)
      .map(toTarget);
  }

  /**
   * Checks a selection against what Cloudflare said about each device, and the quota. Returns the devices, or
   * problems keyed by what they are about. Fast: uses what is cached, and gives Cloudflare at most 1.5 s.
   */
  async check(
    selection: DeviceSelection[],
    types: CaptureType[],
  ): Promise<{ devices: TargetDevice[]; problems: { devices?: string; quota?: string } }> {
    const signal = AbortSignal.timeout(CHECK_TIMEOUT_MS);
    const devices: TargetDevice[] = [];
    const refused: string[] = [];
    for (const selected of selection) {
      let device = this.deps.directory.known(selected.deviceId, selected.registrationId);
      if (!device && selected.hint) {
        await this.deps.directory.search(selected.hint, signal).catch(() => []);
        device = this.deps.directory.known(selected.deviceId, selected.registrationId);
      }
      if (!device)
        refused.push(
          `${selected.hint || selected.deviceId} is no longer listed by Cloudflare (devices must have connected in the last hour)`,
        );
      else if (!device.eligible)
        refused.push(`${device.name} can't be captured: ${device.ineligibleReason ?? 'not eligible'}`);
      else devices.push(toTarget(device));
    }
    const problems: { devices?: string; quota?: string } = {};
    if (refused.length > 0) problems.devices = `${refused.join('. ')}.`;

    const needed = selection.length * types.length;
    const quota = await this.quota({ signal }).catch(() => null);
    if (quota && needed > quota.remaining) {
      problems.quota = `Not enough quota: this needs ${needed} captures and ${quota.remaining} are left today.`;
    }
    return { devices, problems };
  }

  /**
   * Records the request (once per Slack interaction: a retry finds it and does nothing), then posts the
   * status message and starts the captures. Returns once the request is stored; `started` settles later.
   */
  async submit(
    submission: CaptureSubmission,
    requestedBy: string,
    dedupeKey: string,
  ): Promise<{ request: CaptureRequest; created: boolean; started: Promise<void> }> {
    const id = await this.#unusedRequestId();
    // The request's start is claimed before the request exists, so that neither `resume` here nor another
    // replica can take it for an abandoned one in between.
    this.#starting.add(id);
    let lease: HeldLease | null = null;
    const unclaim = async () => {
      this.#starting.delete(id);
      await lease?.release();
    };
    let stored: { request: CaptureRequest; created: boolean };
    try {
      lease = (await this.deps.leases?.hold(`launch:${id}`)) ?? null;
      stored = await this.deps.store.createRequestOnce({
        id,
        requestedBy,
        channelId: submission.channelId,
        devices: submission.devices,
        types: submission.types,
        options: submission.options,
        state: 'starting',
        createdAt: this.#now(),
        statusMessage: null,
        startError: null,
        stoppedBy: null,
        dedupeKey,
      });
    } catch (error) {
      await unclaim();
      throw error;
    }
    const { request, created } = stored;
    if (!created) {
      await unclaim();
      return { request, created, started: Promise.resolve() };
    }
    const started = this.#launches.run(() => this.#launch(request)).finally(unclaim);
    return { request, created, started };
  }

  /**
   * Finishes starting requests that a stopped process left half started (after a restart, or, with replicas,
   * when another replica died: its leases have expired), and resumes artifact uploads left unfinished.
   */
  async resume(): Promise<void> {
    for (const { id, state } of await this.deps.store.activeRequests()) {
      if (state !== 'starting' || this.#starting.has(id)) continue;
      const lease = (await this.deps.leases?.hold(`launch:${id}`)) ?? null;
      if (this.deps.leases && !lease) continue;
      try {
        // Read again under the lease: another replica may have finished starting it meanwhile.
        const request = await this.deps.store.getRequest(id);
        if (request?.state === 'starting') await this.#launch(request, { resumed: true });
      } catch (error) {
        this.deps.logger.error({ err: error, requestId: id }, 'could not resume a request');
      } finally {
        await lease?.release();
      }
    }
    await this.deps.relay.resume();
  }

  /** "Stop watching": the API cannot cancel, so the bot stops following and says so. */
  async stopWatching(requestId: string, by: string): Promise<CaptureRequest | null> {
    const request = await this.deps.store.getRequest(requestId);
    if (!request || (request.state !== 'running' && request.state !== 'starting')) return request;
    const commands = await this.deps.store.commandsForRequest(requestId);
    for (const command of commands.filter((c) => c.tracking)) {
      await this.deps.store.updateCommand(command.id, { tracking: false, updatedAt: this.#now() });
    }
    await this.deps.store.updateRequest(requestId, { state: 'stopped', stoppedBy: by });
    const stopped: CaptureRequest = { ...request, state: 'stopped', stoppedBy: by };
    await this.#audit(
      stopped,
      'stop-watching',
      commands,
      'stopped watching; the captures may still complete on the devices',
    );
    await this.deps.notifier.updateStatus(stopped, await this.deps.store.commandsForRequest(requestId));
    if (await this.deps.store.claimThreadPost(requestId, 'stopped')) {
      await this.deps.notifier.postInThread(stopped, { kind: 'stopped', by });
    }
    return stopped;
  }

  getRequest(id: string): Promise<CaptureRequest | null> {
    return this.deps.store.getRequest(id.trim().toUpperCase());
  }

  commandsOf(requestId: string): Promise<TrackedCommand[]> {
    return this.deps.store.commandsForRequest(requestId);
  }

  listRequests(query: RequestQuery): Promise<CaptureRequest[]> {
    return this.deps.store.listRequests(query);
  }

  /** Short ids are typed by people; with many requests a random one can repeat, so make sure it is free. */
  async #unusedRequestId(): Promise<string> {
    for (;;) {
      const id = newRequestId();
      if (!(await this.deps.store.getRequest(id))) return id;
    }
  }

  async #launch(request: CaptureRequest, { resumed = false } = {}): Promise<void> {
    const { store, notifier, dex, logger } = this.deps;
    let current = request;
    if (!current.statusMessage) {
      const statusMessage = await notifier.postStatus(current, []);
      await store.updateRequest(current.id, { statusMessage });
      current = { ...current, statusMessage };
    }

    let commands = await store.commandsForRequest(current.id);
    const stored = commands.length > 0;
    if (stored) {
      // Stopped after the commands were stored: nothing left to create.
    } else if (resumed) {
      // We may have crashed after sending the create: find what Cloudflare has, never send it again.
      commands = await this.#reconcile(current);
    } else {
      try {
        const wanted = wireCommands(current);
        const created = await dex.createCommands(wanted);
        commands = created.map((c, index) => {
          const { deviceId, registrationId, type } = wanted[index] as NewCommand;
          return this.#tracked(current, c.id, deviceId, registrationId ?? null, type, c.status);
        });
      } catch (error) {
        if (error instanceof DexNetworkError && error.outcomeUnknown) {
          logger.warn({ requestId: current.id }, 'create outcome unknown; reconciling by listing');
          commands = await this.#reconcile(current);
        } else {
          await this.#failToStart(current, startErrorText(error));
          if (!isDexError(error)) throw error;
          return;
        }
      }
    }

    if (commands.length === 0) {
      await this.#failToStart(
        current,
        'Cloudflare has no record of these captures, so nothing is running. Run again to retry.',
      );
      return;
    }
    if (!stored) await store.insertCommands(commands);
    await store.updateRequest(current.id, { state: 'running' });
    current = { ...current, state: 'running' };
    if (!stored) {
      await this.#audit(current, 'start', commands, resumed ? 'started (confirmed after a restart)' : 'started');
      this.deps.onStart?.('started');
    }
    await notifier.updateStatus(current, commands);
    if (await store.claimThreadPost(current.id, 'options')) await notifier.postInThread(current, { kind: 'options' });
  }

  async #reconcile(request: CaptureRequest): Promise<TrackedCommand[]> {
    const wanted = wireCommands(request);
    const deviceIds = new Set(wanted.map((c) => c.deviceId));
    const since = new Date(request.createdAt.getTime() - CLOCK_SKEW_MS);
    const candidates: Command[] = [];
    for await (const command of this.deps.dex.iterateCommands({ from: since })) {
      if (command.deviceId && deviceIds.has(command.deviceId)) candidates.push(command);
    }
    const taken = new Set<string>();
    const found: TrackedCommand[] = [];
    for (const want of wanted) {
      const match = candidates.find((c) => !taken.has(c.id) && c.deviceId === want.deviceId && c.type === want.type);
      if (!match) continue;
      taken.add(match.id);
      found.push(this.#tracked(request, match.id, want.deviceId, want.registrationId ?? null, want.type, match.status));
    }
    return found;
  }

  async #failToStart(request: CaptureRequest, startError: string): Promise<void> {
    await this.deps.store.updateRequest(request.id, { state: 'failed-to-start', startError });
    await this.#audit(request, 'start', [], `failed to start: ${startError}`);
    this.deps.onStart?.('failed_to_start');
    await this.deps.notifier.updateStatus({ ...request, state: 'failed-to-start', startError }, []);
  }

  #audit(request: CaptureRequest, action: 'start' | 'stop-watching', commands: TrackedCommand[], outcome: string) {
    return this.deps.audit.record({
      at: this.#now(),
      userId: action === 'start' ? request.requestedBy : (request.stoppedBy ?? request.requestedBy),
      action,
      channelId: request.statusMessage?.channelId ?? request.channelId,
      requestId: request.id,
      devices: request.devices,
      types: request.types,
      options: request.options,
      commandIds: commands.map((c) => c.id),
      outcome,
    });
  }

  #tracked(
    request: CaptureRequest,
    id: string,
    deviceId: string,
    registrationId: string | null,
    type: CaptureType,
    status: string,
  ): TrackedCommand {
    const now = this.#now();
    return {
      id,
      requestId: request.id,
      deviceId,
      registrationId,
      type,
      status,
      createdAt: now,
      updatedAt: now,
      completedAt: null,
      filename: null,
      tracking: true,
    };
  }
}

/** The create request for a capture request: each device × each type, in a stable order. */
function wireCommands(request: CaptureRequest): NewCommand[] {
  return request.devices.flatMap((device) =>
    request.types.map((type): NewCommand => {
      const target = {
        deviceId: device.deviceId,
        userEmail: device.email,
        ...(device.registrationId ? { registrationId: device.registrationId } : {}),
      };
      return type === 'pcap'
        ? { ...target, type, args: { ...request.options.pcap } }
        : { ...target, type, args: { testAllRoutes: request.options.warpDiag.testAllRoutes } };
    }),
  );
}

function toTarget(device: {
  id: string;
  name: string;
  email: string;
  platform: string;
  registrationId: string | null;
}): TargetDevice {
  return {
    deviceId: device.id,
    name: device.name,
    email: device.email,
    platform: device.platform,
    registrationId: device.registrationId,
  };
}

/** What people are told when Cloudflare would not start the captures. Nothing technical, nothing secret. */
function startErrorText(error: unknown): string {
  if (error instanceof DexRateLimitError) {
    return `Cloudflare is rate limiting this bot until ${error.retryAt.toISOString()}. Nothing was started; run again after that.`;
  }
  if (error instanceof DexApiError) {
    const said = error.errors.map((e) => e.message).join('; ');
    if (error.status === 401 || error.status === 403) {
      return 'Cloudflare refused the bot\'s API token (it needs the "Cloudflare DEX Write" permission). Nothing was started; ask an admin to check it.';
    }
    return `Cloudflare refused the captures${said ? `: ${said}` : ''}. Nothing was started.`;
  }
  if (error instanceof DexInputError)
    return `The request was not valid: ${error.problems.join('; ')}. Nothing was started.`;
  if (error instanceof DexNetworkError)
    return 'Cloudflare could not be reached. Nothing was started; try again in a minute.';
  return 'Something went wrong while starting the captures. Nothing was started; try again.';
}

/** Six characters from an alphabet without look-alikes (no 0/O, 1/I/L). */
function newRequestId(): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  return Array.from({ length: 6 }, () => alphabet[randomInt(alphabet.length)]).join('');
}
