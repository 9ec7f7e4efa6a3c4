import { type Dispatcher, Pool, errors as undiciErrors } from 'undici';
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import { redactSecrets } from '../redact.js';
import { artifactFileName } from './artifact-name.js';
import { buildCreateBody } from './create-body.js';
import { DexApiError, DexNetworkError, DexRateLimitError, DexResponseError, DexUnsafeArtifactError } from './errors.js';
import { InMemoryRateLimitGate, type RateLimitGate, rateLimitKey, retryAfterToDate } from './rate-limit.js';
import { backoffDelay, type Clock, DEFAULT_RETRY_POLICY, type RetryPolicy, systemClock } from './retry.js';
import {
  createResult,
  describeIssues,
  describeItemIssues,
  envelope,
  failureEnvelope,
  listCommandsResult,
  listDevicesResult,
  listedCommand,
  listedDevice,
  quotaResult,
  readCommandAnalysis,
} from './schemas.js';
import {
  type Command,
  type CommandAnalysisDetection,
  type CommandFilter,
  type CreatedCommand,
  type Device,
  type DexEndpoint,
  type Download,
  MAX_PER_PAGE,
  type NewCommand,
  type Page,
  type PageRequest,
  type Quota,
} from './types.js';

export interface DexClientOptions {
  /** e.g. `https://api.cloudflare.com/client/v4` (CLOUDFLARE_API_URL). */
  baseUrl: string;
  accountId: string;
  /** An API token with "Cloudflare DEX Write". Kept private; never logged or put in an error. */
  token: string;
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Keep-alive connections to the API; the default suits a bot. */
  connections?: number;
  retry?: Partial<RetryPolicy>;
  rateLimitGate?: RateLimitGate;
  clock?: Clock;
  random?: () => number;
  /** Called once per HTTP attempt, for metrics and logs. */
  onCall?: (event: DexCallEvent) => void;
  /** Called for each list item that was skipped because it could not be read (the rest of its page is kept). */
  onSkippedItem?: (event: DexSkippedItemEvent) => void;
  /**
   * Where requests go instead of the client's own keep-alive pool (e.g. undici's MockAgent replaying recorded
   * Cloudflare answers). The caller owns it: `close()` leaves it open.
   */
  dispatcher?: Dispatcher;
  /** Where the client notes, at debug level, answers it chose to leave out (the analysis route's). */
  logger?: Pick<Logger, 'debug'>;
}

export interface DexSkippedItemEvent {
  endpoint: DexEndpoint;
  /** Position of the item in its page's array, from 0. */
  index: number;
  /** The field path and what was wrong (`id: missing`); never the item's values. */
  problem: string;
}

export interface DexCallEvent {
  endpoint: DexEndpoint;
  method: 'GET' | 'POST';
  /** HTTP status, or 0 when no response arrived. */
  status: number;
  durationMs: number;
  attempt: number;
  /** Set when the call waited for a rate-limit hold before going out. */
  rateLimitWaitMs: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

interface SendRequest extends CallOptions {
  endpoint: DexEndpoint;
  method: 'GET' | 'POST';
  path: string;
  query?: URLSearchParams;
  body?: unknown;
  headers?: Record<string, string>;
}

type RawResponse = Dispatcher.ResponseData;

const MAX_JSON_BYTES = 16 * 1024 * 1024;
const CANONICAL_API_HOST = 'api.cloudflare.com';

/**
 * The Cloudflare DEX remote-captures API: one method per endpoint. Responses are validated with zod;
 * safe calls retry 429/5xx/network errors with jittered backoff; `createCommands` never retries.
 */
export class DexClient {
  readonly #token: string;
  readonly #dispatcher: Dispatcher;
  /** Set when the client made its own pool (and so closes it). */
  readonly #ownPool: Pool | null;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #accountPath: string;
  readonly #allowedArtifactHosts: string[];
  readonly #gate: RateLimitGate;
  readonly #gateKey: string;
  readonly #retry: RetryPolicy;
  readonly #clock: Clock;
  readonly #random: () => number;
  readonly #onCall: ((event: DexCallEvent) => void) | undefined;
  readonly #onSkippedItem: ((event: DexSkippedItemEvent) => void) | undefined;
  readonly #logger: Pick<Logger, 'debug'> | undefined;

  constructor(options: DexClientOptions) {
    const base = new URL(options.baseUrl);
    this.#token = options.token;
    this.#basePath = base.pathname.replace(/\/+$/, '');
    this.#accountPath = `/accounts/${encodeURIComponent(options.accountId)}`;
    this.#allowedArtifactHosts = [...new Set([base.host.toLowerCase(), CANONICAL_API_HOST])];
    this.#origin = base.origin;
    this.#ownPool = options.dispatcher
      ? null
      : new Pool(base.origin, {
          connections: options.connections ?? 16,
          connectTimeout: options.timeouts?.connectMs ?? 10_000,
          headersTimeout: options.timeouts?.headersMs ?? 30_000,
          bodyTimeout: options.timeouts?.bodyMs ?? 60_000,
          keepAliveTimeout: 30_000,
        });
    this.#dispatcher = options.dispatcher ?? (this.#ownPool as Pool);
    this.#gate = options.rateLimitGate ?? new InMemoryRateLimitGate();
    this.#gateKey = rateLimitKey(options.token);
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? Math.random;
    this.#onCall = options.onCall;
    this.#onSkippedItem = options.onSkippedItem;
    this.#logger = options.logger;
  }

  /**
   * Starts commands. Not idempotent, so never retried. When it fails, `createOutcomeUnknown(error)` says whether
   * commands may have started anyway: then reconcile by listing, never by sending it again.
   */
  async createCommands(commands: readonly NewCommand[], options: CallOptions = {}): Promise<CreatedCommand[]> {
    const body = buildCreateBody(commands);
    const result = await this.#json(
      { ...options, endpoint: 'create', method: 'POST', path: `${this.#accountPath}/dex/commands`, body },
      createResult,
    );
    return result.commands;
  }

  async listCommands(filter: CommandFilter & PageRequest = {}, options: CallOptions = {}): Promise<Page<Command>> {
    const query = pageQuery(filter);
    if (filter.from) query.set('from', filter.from.toISOString());
    if (filter.to) query.set('to', filter.to.toISOString());
    if (filter.deviceId) query.set('device_id', filter.deviceId);
    if (filter.userEmail) query.set('user_email', filter.userEmail);
    if (filter.type) query.set('command_type', filter.type);
    if (filter.status) query.set('status', filter.status);
    return this.#page(
      { ...options, endpoint: 'list', method: 'GET', path: `${this.#accountPath}/dex/commands`, query },
      listCommandsResult,
      listedCommand,
    );
  }

  /** Every command matching the filter, one call per page of 50. */
  iterateCommands(filter: CommandFilter = {}, options: CallOptions = {}): AsyncGenerator<Command> {
    return walkPages((page) => this.listCommands({ ...filter, page, perPage: MAX_PER_PAGE }, options));
  }

  /** Devices that can take remote captures (connected within the last hour), searched by name or email. */
  async listDevices(query: { search?: string } & PageRequest = {}, options: CallOptions = {}): Promise<Page<Device>> {
    const params = pageQuery(query);
    if (query.search) params.set('search', query.search);
    return this.#page(
      {
        ...options,
        endpoint: 'devices',
        method: 'GET',
        path: `${this.#accountPath}/dex/commands/devices`,
        query: params,
      },
      listDevicesResult,
      listedDevice,
    );
  }

  iterateDevices(query: { search?: string } = {}, options: CallOptions = {}): AsyncGenerator<Device> {
    return walkPages((page) => this.listDevices({ ...query, page, perPage: MAX_PER_PAGE }, options));
  }

  async getQuota(options: CallOptions = {}): Promise<Quota> {
    return this.#json(
      { ...options, endpoint: 'quota', method: 'GET', path: `${this.#accountPath}/dex/commands/quota` },
      quotaResult,
    );
  }

  /**
   * Cloudflare's analysis of a finished WARP diagnostics command (`GET …/dex/commands/{id}/analysis`, undocumented;
   * the dashboard's analyzer, which Cloudflare's DEX MCP server reads): the detections that occurred, highest
   * severity first. Null when there is none to show: a 404, any other error status, a network failure, a body it
   * cannot read. It never throws but for the caller's own abort; what it leaves out it logs at debug.
   */
  async commandAnalysis(commandId: string, options: CallOptions = {}): Promise<CommandAnalysisDetection[] | null> {
    const skip = (fields: Record<string, unknown>) => {
      this.#logger?.debug({ endpoint: 'analysis', commandId, ...fields }, 'WARP-diag analysis left out');
      return null;
    };
    if (!/^[A-Za-z0-9-]{1,100}$/.test(commandId)) return skip({ problem: 'not a command id' });
    const path = `${this.#accountPath}/dex/commands/${commandId}/analysis`;
    let response: RawResponse;
    try {
      response = await this.#send({ ...options, endpoint: 'analysis', method: 'GET', path });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return skip({ problem: error instanceof Error ? error.message : String(error) });
    }
    const status = response.statusCode;
    if (status !== 200) {
      await response.body.dump().catch(() => {});
      return skip({ status, problem: status === 404 ? 'no analysis' : 'error status' });
    }
    let body: unknown;
    try {
      body = JSON.parse(await readCapped(response, 'analysis', 'GET'));
    } catch (error) {
      if (options.signal?.aborted) throw error;
      return skip({ status, problem: error instanceof SyntaxError ? 'body is not JSON' : String(error) });
    }
    const reading = readCommandAnalysis(body);
    return reading.ok ? reading.detections : skip({ status, problem: reading.problem });
  }

  /**
   * Streams a finished command's zip. Never buffers it. `start` asks for the rest of a cut-off
   * download (`Range`); check `Download.start` — a server may send the whole file instead.
   */
  async download(
    command: Pick<Command, 'id' | 'filename'> & { deviceId?: string | null },
    options: CallOptions & { start?: number; ifRange?: string } = {},
  ): Promise<Download> {
    if (!/^[A-Za-z0-9-]{1,100}$/.test(command.id)) throw new DexUnsafeArtifactError(command.id);
    const fileName = artifactFileName(command.id, command.filename, this.#allowedArtifactHosts);
    const headers: Record<string, string> = { accept: 'application/zip' };
    if (options.start && options.start > 0) {
      headers.range = `bytes=${options.start}-`;
      if (options.ifRange) headers['if-range'] = options.ifRange;
    }
    const primary = `${this.#accountPath}/dex/commands/${command.id}/downloads/${encodeURIComponent(fileName)}`;
    let response = await this.#send({ ...options, endpoint: 'download', method: 'GET', path: primary, headers });
    // Reference §7.3 step 4: Cloudflare's own client uses this route; try it before giving up.
    if (response.statusCode === 404 && command.deviceId && /^[A-Za-z0-9-]{1,100}$/.test(command.deviceId)) {
      await response.body.dump();
      const alternate = `${this.#accountPath}/dex/devices/${command.deviceId}/commands/downloads/${command.id}.zip`;
      response = await this.#send({ ...options, endpoint: 'download', method: 'GET', path: alternate, headers });
    }
    if (response.statusCode !== 200 && response.statusCode !== 206) {
      throw await this.#errorFrom('download', response);
    }
    const contentLength = numberHeader(header(response, 'content-length'));
    const contentRange = header(response, 'content-range')?.match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
    const partial = response.statusCode === 206 && contentRange;
    return {
      stream: response.body,
      fileName,
      contentType: header(response, 'content-type') ?? 'application/zip',
      contentLength,
      totalSize: partial ? numberHeader(contentRange[2]) : contentLength,
      start: partial ? Number(contentRange[1]) : 0,
      etag: header(response, 'etag'),
      acceptsRanges: header(response, 'accept-ranges')?.toLowerCase() === 'bytes',
    };
  }

  async close(): Promise<void> {
    await this.#ownPool?.close();
  }

  /** A list page: the envelope must be right, but each item is read on its own and skipped if unusable. */
  async #page<T>(request: SendRequest, schema: z.ZodType<unknown[]>, item: z.ZodType<T>): Promise<Page<T>> {
    const parsed = await this.#parse(request, envelope(schema));
    const info = parsed.result_info ?? {};
    const page = Number(request.query?.get('page'));
    const items: T[] = [];
    parsed.result.forEach((raw, index) => {
      const read = item.safeParse(raw);
      if (read.success) items.push(read.data);
      else this.#onSkippedItem?.({ endpoint: request.endpoint, index, problem: describeItemIssues(read.error) });
    });
    return {
      items,
      skipped: parsed.result.length - items.length,
      page: info.page ?? page,
      perPage: info.per_page ?? Number(request.query?.get('per_page')),
      totalPages: info.total_pages ?? null,
      totalCount: info.total_count ?? null,
    };
  }

  async #json<T>(request: SendRequest, schema: z.ZodType<T>): Promise<T> {
    return (await this.#parse(request, envelope(schema))).result;
  }

  async #parse<S extends z.ZodType>(request: SendRequest, schema: S): Promise<z.output<S>> {
    const response = await this.#send(request);
    if (response.statusCode >= 300) throw await this.#errorFrom(request.endpoint, response);
    const text = await readCapped(response, request.endpoint, request.method);
    const cfRay = header(response, 'cf-ray');
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      const bodyExcerpt = this.#excerpt(text);
      throw new DexResponseError(request.endpoint, 'body is not valid JSON', bodyExcerpt, response.statusCode, cfRay);
    }
    // `success: false` on a 2xx carries errors and no usable result: report Cloudflare's errors, not a shape problem.
    if ((json as { success?: unknown } | null)?.success === false) {
      throw this.#apiError(request.endpoint, response.statusCode, text, cfRay);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const problem = describeIssues(parsed.error);
      throw new DexResponseError(request.endpoint, problem, this.#excerpt(text), response.statusCode, cfRay);
    }
    return parsed.data;
  }

  /** Sends one request, waiting out rate-limit holds and retrying what is safe to retry. */
  async #send(request: SendRequest): Promise<RawResponse> {
    const retriable = request.method === 'GET';
    const path = `${this.#basePath}${request.path}${request.query?.size ? `?${request.query}` : ''}`;
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.#token}`,
      'user-agent': 'dex-capture-bot',
      ...request.headers,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }

    for (let attempt = 0; ; attempt++) {
      const rateLimitWaitMs = await this.#waitForGate(request);
      const started = this.#clock.now();
      const report = (status: number) =>
        this.#onCall?.({
          endpoint: request.endpoint,
          method: request.method,
          status,
          durationMs: this.#clock.now() - started,
          attempt,
          rateLimitWaitMs,
        });
      const canRetry = retriable && attempt < this.#retry.maxRetries;

      let response: RawResponse;
      try {
        response = await this.#dispatcher.request({
          origin: this.#origin,
          path,
          method: request.method,
          headers,
          body,
          signal: request.signal,
        });
      } catch (error) {
        report(0);
        if (request.signal?.aborted) throw error;
        if (canRetry) {
          await this.#clock.sleep(backoffDelay(attempt, this.#retry, this.#random), request.signal);
          continue;
        }
        throw networkError(request, error);
      }
      report(response.statusCode);

      if (response.statusCode === 429) {
        const retryAt = retryAfterToDate(header(response, 'retry-after'), this.#clock.now());
        await this.#gate.hold(this.#gateKey, retryAt);
        const waitMs = retryAt.getTime() - this.#clock.now();
        if (canRetry && waitMs <= this.#retry.maxRateLimitWaitMs) {
          await response.body.dump();
          continue;
        }
        throw await this.#errorFrom(request.endpoint, response, retryAt);
      }
      if (response.statusCode >= 500 && canRetry) {
        await response.body.dump();
        await this.#clock.sleep(backoffDelay(attempt, this.#retry, this.#random), request.signal);
        continue;
      }
      return response;
    }
  }

  async #waitForGate(request: SendRequest): Promise<number> {
    const until = await this.#gate.heldUntil(this.#gateKey);
    if (!until) return 0;
    const waitMs = until.getTime() - this.#clock.now();
    if (waitMs <= 0) return 0;
    if (waitMs > this.#retry.maxRateLimitWaitMs) {
      const detail = `not sent: calls with this token are held back until ${until.toISOString()}`;
      throw new DexRateLimitError({ endpoint: request.endpoint, status: 429, errors: [], cfRay: null, detail }, until);
    }
    await this.#clock.sleep(waitMs, request.signal);
    return waitMs;
  }

  async #errorFrom(endpoint: DexEndpoint, response: RawResponse, retryAt?: Date): Promise<DexApiError> {
    const text = await readCapped(response, endpoint, 'GET').catch(() => '');
    const cfRay = header(response, 'cf-ray');
    if (response.statusCode === 429) {
      const until = retryAt ?? retryAfterToDate(header(response, 'retry-after'), this.#clock.now());
      return new DexRateLimitError(this.#apiErrorDetails(endpoint, response.statusCode, text, cfRay), until);
    }
    return this.#apiError(endpoint, response.statusCode, text, cfRay);
  }

  #apiError(endpoint: DexEndpoint, status: number, text: string, cfRay: string | null): DexApiError {
    return new DexApiError(this.#apiErrorDetails(endpoint, status, text, cfRay));
  }

  /**
   * Only a Cloudflare failure envelope fills `errors` (its messages redacted: one could echo a credential). Any
   * other body, such as a proxy's HTML page, which may echo the request's headers, is kept as a redacted excerpt
   * for logs: nothing of it may reach a person.
   */
  #apiErrorDetails(endpoint: DexEndpoint, status: number, text: string, cfRay: string | null) {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const envelope = failureEnvelope.safeParse(body);
    if (envelope.success) {
      const errors = envelope.data.errors.map((e) => ({ ...e, message: this.#redact(e.message) }));
      return { endpoint, status, errors, cfRay };
    }
    return { endpoint, status, errors: [], cfRay, bodyExcerpt: this.#excerpt(text) };
  }

  /** Masks credentials, this client's token first, in text that came from a response. */
  #redact(text: string): string {
    return redactSecrets(text, [this.#token]);
  }

  /** The start of a body, flattened, for logs: redacted before it is cut, so a credential cannot be half kept. */
  #excerpt(text: string): string {
    const flat = this.#redact(text).replace(/\s+/g, ' ').trim();
    return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
  }
}

async function* walkPages<T>(fetchPage: (page: number) => Promise<Page<T>>): AsyncGenerator<T> {
  for (let page = 1; ; page++) {
    const result = await fetchPage(page);
    yield* result.items;
    // Skipped items still count towards the page being full: a short page is the last one, a full one may not be.
    const received = result.items.length + result.skipped;
    const lastPage = result.totalPages !== null && page >= result.totalPages;
    if (received === 0 || received < result.perPage || lastPage) return;
  }
}

function pageQuery({ page = 1, perPage = MAX_PER_PAGE }: PageRequest): URLSearchParams {
  if (!Number.isInteger(page) || page < 1) throw new RangeError(`page must be a whole number ≥ 1 (got ${page})`);
  if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_PER_PAGE) {
    throw new RangeError(`perPage must be a whole number from 1 to ${MAX_PER_PAGE} (got ${perPage})`);
  }
  return new URLSearchParams({ page: String(page), per_page: String(perPage) });
}

function networkError(request: SendRequest, error: unknown): DexNetworkError {
  // Only a failure to connect proves the request never left; anything later may have reached Cloudflare.
  const code = (error as { code?: string }).code ?? '';
  const neverSent =
    error instanceof undiciErrors.ConnectTimeoutError || ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'].includes(code);
  const message = error instanceof Error ? error.message : String(error);
  return new DexNetworkError(request.endpoint, message, request.method === 'POST' && !neverSent, { cause: error });
}

async function readCapped(response: RawResponse, endpoint: DexEndpoint, method: 'GET' | 'POST'): Promise<string> {
  const declared = numberHeader(header(response, 'content-length'));
  if (declared !== null && declared > MAX_JSON_BYTES) {
    await response.body.dump();
    throw new DexResponseError(endpoint, `body of ${declared} bytes is too large`, '', response.statusCode, null);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body) {
      size += chunk.length;
      if (size > MAX_JSON_BYTES) {
        response.body.destroy();
        throw new DexResponseError(endpoint, 'body is too large', '', response.statusCode, null);
      }
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof DexResponseError) throw error;
    throw networkError({ endpoint, method, path: '' }, error);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function header(response: RawResponse, name: string): string | null {
  const value = response.headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

function numberHeader(value: string | null | undefined): number | null {
  if (value === null || value === undefined || !/^\d+$/.test(value)) return null;
  return Number(value);
}
