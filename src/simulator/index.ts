import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { createArtifact } from './artifacts.js';
import { SimClock } from './clock.js';
import { CommandStore, type SimCommand } from './commands.js';
import { ArtifactStore, type CreateArtifact } from './downloads.js';
import { type FaultControls, FaultInjector } from './faults.js';
import { Fleet, type NewSimDevice, type SimDevice } from './fleet.js';
import { Quota } from './quota.js';
import { RATE_LIMIT_REQUESTS, RateLimiter } from './rate-limit.js';
import { RequestLog, type RequestLogEntry } from './request-log.js';
import { API_PREFIX } from './routes.js';
import { HOST, SimulatorServer } from './server.js';
import {
  type ArtifactKindName,
  FILENAME_FORMS,
  type FilenameForm,
  type SimulatorState,
  SPEED_TEST_RESULTS,
  type SpeedTestResults,
  WARP_DIAG_ANALYSIS,
  type WarpDiagAnalysis,
} from './state.js';

export type { SimCommand } from './commands.js';
export type { Endpoint, EndpointName } from './endpoints.js';
export { ErrorCode } from './errors.js';
export type {
  ChunkedDownloadFault,
  FaultControls,
  GarbledResponseFault,
  MalformedItemKind,
  MalformedListItemsFault,
  SlowDownloadFault,
} from './faults.js';
export {
  type DeviceBehaviour,
  type DevicePlatform,
  type NewSimDevice,
  type SimDevice,
  WARP_CLIENT_HEALTH,
  type WarpClientHealth,
} from './fleet.js';
export type { CommandStatus, CommandType, SpeedTestInterface } from './lifecycle.js';
export type { RequestLogEntry } from './request-log.js';
export {
  FILENAME_FORMS,
  type FilenameForm,
  SPEED_TEST_RESULTS,
  type SpeedTestResults,
  WARP_DIAG_ANALYSIS,
  type WarpDiagAnalysis,
} from './state.js';
export { BROKEN_SCENARIOS, type BrokenScenario, type WarpDiagFacts, warpDiagFacts } from './warp-diag.js';

/*
 * The DEX remote-captures API simulator: a real HTTP server on 127.0.0.1 that answers like
 * api.cloudflare.com/client/v4/accounts/{account}/dex/commands/… (reference/cloudflare-dex-api.md §2–§8).
 *
 *   const sim = await startDexSimulator({ fleetSize: 500 });
 *   process.env.CLOUDFLARE_API_URL = sim.baseUrl; // plus sim.accountId and sim.token
 *   sim.advance(10 * 60_000);                     // captures finish on the simulated clock
 *   await sim.close();
 *
 * Two clocks: command lifecycles and the quota window run on the simulated clock (timeScale × real time +
 * advance()); the rate limiter and the `slow` fault run on real time, since that is what a client waits on.
 * Error codes are listed in errors.ts.
 */

/** Cloudflare's documentation example account id: obviously fake, right length. */
export const DEFAULT_ACCOUNT_ID = '023e105f4ecef8ad9ca31a8372d0c353';

export interface DexSimulatorOptions {
  /** Default 0 (ephemeral). The host is always 127.0.0.1. */
  port?: number;
  accountId?: string;
  /** Default: a fresh random token. */
  token?: string;
  /** Number of device rows (registrations) to seed; default 500. */
  fleetSize?: number;
  seed?: number;
  /** Simulated ms per real ms; default 1. */
  timeScale?: number;
  quota?: { total?: number; used?: number };
  artifactSizeBytes?: Partial<Record<ArtifactKindName, number>>;
  /** What the list returns in `filename` for SUCCESS (see FilenameForm); default 'device-url'. */
  filenameForm?: FilenameForm;
  /** How a finished speed test's results come back (see SpeedTestResults); default 'file'. */
  speedTestResults?: SpeedTestResults;
  /** How the analysis route answers for finished WARP diagnostics (see WarpDiagAnalysis); default 'detections'. */
  warpDiagAnalysis?: WarpDiagAnalysis;
  /** Requests per token per 5 minutes before 429s; default 1200, as Cloudflare (benchmarks raise it). */
  rateLimitRequests?: number;
  /** For tests of the simulator itself; defaults to the real artifact builder. */
  createArtifact?: CreateArtifact;
}

export interface DexSimulator {
  /** e.g. http://127.0.0.1:PORT/client/v4: what CLOUDFLARE_API_URL is set to. */
  readonly baseUrl: string;
  readonly port: number;
  readonly accountId: string;
  readonly token: string;
  /** Device rows in the order the devices endpoint returns them (multi-user devices have several rows). */
  readonly fleet: readonly SimDevice[];
  findDevice(predicate: (device: SimDevice) => boolean): SimDevice | undefined;
  /** Every registration of a device (one for single-user devices). */
  registrationsOf(deviceId: string): readonly SimDevice[];
  addDevice(partial?: NewSimDevice): SimDevice;
  /** Created commands, oldest first, with their status at the current simulated time. */
  readonly commands: readonly SimCommand[];
  advance(ms: number): void;
  now(): Date;
  setArtifactSize(kind: ArtifactKindName, bytes: number): void;
  setQuota(quota: { total?: number; used?: number }): void;
  /** The quota as the quota endpoint would report it now. */
  getQuota(): { total: number; used: number; resetTime: Date };
  setFilenameForm(form: FilenameForm): void;
  /** For speed tests created from now on (a command's artifact never appears or vanishes once it exists). */
  setSpeedTestResults(mode: SpeedTestResults): void;
  /** Takes effect at the next request to the analysis route. */
  setWarpDiagAnalysis(mode: WarpDiagAnalysis): void;
  readonly requests: readonly RequestLogEntry[];
  clearRequests(): void;
  readonly faults: FaultControls;
  close(): Promise<void>;
}

const sizeSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const countSchema = z.number().int().min(0);
const optionsSchema = z.strictObject({
  port: z.number().int().min(0).max(65_535).default(0),
  accountId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'accountId must be 1-32 letters, digits, - or _' })
    .default(DEFAULT_ACCOUNT_ID),
  token: z.string().regex(/^\S+$/, { error: 'token must be non-empty without spaces' }).optional(),
  fleetSize: countSchema.default(500),
  seed: z.number().int().default(1),
  timeScale: z.number().positive().max(1_000_000).default(1),
  quota: z
    .strictObject({ total: countSchema.default(800), used: countSchema.default(0) })
    .default({ total: 800, used: 0 }),
  artifactSizeBytes: z
    .strictObject({ pcap: sizeSchema.default(256 * 1024), 'warp-diag': sizeSchema.default(512 * 1024) })
    .default({ pcap: 256 * 1024, 'warp-diag': 512 * 1024 }),
  filenameForm: z.enum(FILENAME_FORMS).default('device-url'),
  speedTestResults: z.enum(SPEED_TEST_RESULTS).default('file'),
  warpDiagAnalysis: z.enum(WARP_DIAG_ANALYSIS).default('detections'),
  rateLimitRequests: z.number().int().positive().default(RATE_LIMIT_REQUESTS),
  createArtifact: z.custom<CreateArtifact>((value) => typeof value === 'function').optional(),
});

/** Starts a DEX remote-captures API simulator on 127.0.0.1. Every instance is independent. */
export async function startDexSimulator(options: DexSimulatorOptions = {}): Promise<DexSimulator> {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) throw new TypeError(`invalid simulator options: ${z.prettifyError(parsed.error)}`);
  const config = parsed.data;
  const token = config.token ?? randomBytes(30).toString('base64url');
  const clock = new SimClock(config.timeScale);
  const state: SimulatorState = {
    accountId: config.accountId,
    clock,
    fleet: Fleet.seeded(config.fleetSize, config.seed),
    commands: new CommandStore(),
    quota: new Quota(config.quota.total, config.quota.used, clock.nowMs()),
    settings: {
      filenameForm: config.filenameForm,
      speedTestResults: config.speedTestResults,
      warpDiagAnalysis: config.warpDiagAnalysis,
      artifactSizeBytes: { ...config.artifactSizeBytes },
    },
  };
  const faults = new FaultInjector();
  const requestLog = new RequestLog();
  const server = new SimulatorServer({
    state,
    token,
    faults,
    rateLimiter: new RateLimiter(config.rateLimitRequests),
    requestLog,
    artifacts: new ArtifactStore(config.createArtifact ?? createArtifact),
  });
  const port = await server.listen(config.port);

  return {
    baseUrl: `http://${HOST}:${port}${API_PREFIX}`,
    port,
    accountId: config.accountId,
    token,
    get fleet() {
      return state.fleet.all();
    },
    findDevice: (predicate) => state.fleet.all().find(predicate),
    registrationsOf: (deviceId) => state.fleet.registrationsOf(deviceId),
    addDevice: (partial = {}) => state.fleet.add(partial),
    get commands() {
      return state.commands.snapshots(clock.nowMs());
    },
    advance: (ms) => clock.advance(ms),
    now: () => clock.now(),
    setArtifactSize: (kind, bytes) => {
      state.settings.artifactSizeBytes[kind] = sizeSchema.parse(bytes);
    },
    setQuota: (quota) => state.quota.set(quota, clock.nowMs()),
    getQuota: () => {
      const quota = state.quota.snapshot(clock.nowMs());
      return { total: quota.total, used: quota.used, resetTime: new Date(quota.resetAtMs) };
    },
    setFilenameForm: (form) => {
      state.settings.filenameForm = z.enum(FILENAME_FORMS).parse(form);
    },
    setSpeedTestResults: (mode) => {
      state.settings.speedTestResults = z.enum(SPEED_TEST_RESULTS).parse(mode);
    },
    setWarpDiagAnalysis: (mode) => {
      state.settings.warpDiagAnalysis = z.enum(WARP_DIAG_ANALYSIS).parse(mode);
    },
    get requests() {
      return requestLog.all();
    },
    clearRequests: () => requestLog.clear(),
    faults,
    close: () => server.close(),
  };
}
