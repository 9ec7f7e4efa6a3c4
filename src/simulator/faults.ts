import type { Endpoint, EndpointName } from './endpoints.js';

export type EndpointSelector = Endpoint | readonly Endpoint[];

interface FaultTarget {
  /** Which endpoints the fault applies to; absent means all of them (ENDPOINTS). */
  endpoint?: EndpointSelector;
  /** How many requests it affects; default 1, Infinity allowed. */
  times?: number;
}

export interface RateLimitFault extends FaultTarget {
  retryAfterSeconds: number;
  format?: 'seconds' | 'http-date';
}
export interface ServerErrorFault extends FaultTarget {
  status?: 500 | 502 | 503 | 504;
}
export interface SlowFault extends FaultTarget {
  delayMs: number;
}
export type MalformedJsonFault = FaultTarget;
export interface DropDownloadFault {
  afterBytes: number;
  times?: number;
}
export interface DropConnectionFault extends FaultTarget {
  when: 'before-processing' | 'after-processing';
}
export interface GarbledResponseFault extends FaultTarget {
  /** HTTP status of the garbled answer; default 200. */
  status?: number;
  /**
   * 'html': an HTML error page, as a proxy or gateway sends; 'truncated-json': the JSON answer cut in half, with a
   * Content-Length that matches what is sent; 'cut-off': the JSON answer's full Content-Length promised, half of
   * it sent, then the connection closed.
   */
  body: 'html' | 'truncated-json' | 'cut-off';
  /** 'after-processing': the request took effect first (a create really created its commands). */
  when: 'before-processing' | 'after-processing';
  /** The HTML page lists every request header, Authorization included, as some proxies' error pages do. */
  echoHeaders?: boolean;
}
export interface ChunkedDownloadFault {
  times?: number;
}
export interface SlowDownloadFault {
  bytesPerChunk: number;
  /** Real milliseconds between chunks. */
  intervalMs: number;
  times?: number;
}
export const MALFORMED_ITEM_KINDS = ['no-id', 'space-date', 'offset-0000', 'wrong-type'] as const;
/**
 * 'no-id' and 'wrong-type' add a bogus item to the page (one without its id, one whose id is a number);
 * 'space-date' and 'offset-0000' rewrite the dates of the real items (`2026-11-25 18:11:19.117+00`,
 * `2026-11-25T18:11:19.117+0000`), which stay findable.
 */
export type MalformedItemKind = (typeof MALFORMED_ITEM_KINDS)[number];
export type ListEndpoint = 'list' | 'devices';
export interface MalformedListItemsFault {
  kinds: readonly MalformedItemKind[];
  /** Default both list endpoints. */
  endpoint?: ListEndpoint | readonly ListEndpoint[];
  times?: number;
}

interface FaultSpecs {
  rateLimit: RateLimitFault;
  serverError: ServerErrorFault;
  slow: SlowFault;
  malformedJson: MalformedJsonFault;
  dropDownload: DropDownloadFault;
  dropConnection: DropConnectionFault;
  garbledResponse: GarbledResponseFault;
  chunkedDownload: ChunkedDownloadFault;
  slowDownload: SlowDownloadFault;
  malformedListItems: MalformedListItemsFault;
}
type FaultKind = keyof FaultSpecs;

interface ArmedFault<K extends FaultKind> {
  kind: K;
  spec: FaultSpecs[K];
  endpoints: ReadonlySet<Endpoint> | null;
  remaining: number;
}

/** The knobs tests turn (`sim.faults`). */
export interface FaultControls {
  /** Trips the rate limiter: from this request on, every request with the token gets 429 until the window ends. */
  rateLimit(fault: RateLimitFault): void;
  /** Answers with a 5xx failure envelope instead of processing the request. */
  serverError(fault: ServerErrorFault): void;
  /** Processes the request, then waits `delayMs` (real time) before sending the response headers. */
  slow(fault: SlowFault): void;
  /** Processes the request, then answers 200 with the envelope cut in half (only replaces 2xx JSON answers). */
  malformedJson(fault: MalformedJsonFault): void;
  /** Sends the download's headers and `afterBytes` of its body, then destroys the socket. */
  dropDownload(fault: DropDownloadFault): void;
  /** Destroys the socket without answering, before or after the request took effect. */
  dropConnection(fault: DropConnectionFault): void;
  /** Answers with something that is not the API's envelope (see GarbledResponseFault), before or after processing. */
  garbledResponse(fault: GarbledResponseFault): void;
  /** Sends the download with `Transfer-Encoding: chunked` and no `Content-Length`; the bytes are the same. */
  chunkedDownload(fault?: ChunkedDownloadFault): void;
  /** Drips the download: `bytesPerChunk` bytes every `intervalMs` (real time) until done or the client goes away. */
  slowDownload(fault: SlowDownloadFault): void;
  /** Puts items a strict reader would choke on into each list page (see MalformedItemKind). */
  malformedListItems(fault: MalformedListItemsFault): void;
  clear(): void;
}

/**
 * Faults armed by tests. Each is its own entry with its own counter, so several can be armed and combine
 * (e.g. slow + serverError). The server asks for a fault at the point in the request where it applies.
 */
export class FaultInjector implements FaultControls {
  private armed: ArmedFault<FaultKind>[] = [];

  rateLimit(fault: RateLimitFault): void {
    requirePositive('retryAfterSeconds', fault.retryAfterSeconds);
    this.arm('rateLimit', fault, fault.endpoint);
  }

  serverError(fault: ServerErrorFault = {}): void {
    this.arm('serverError', fault, fault.endpoint);
  }

  slow(fault: SlowFault): void {
    requireNonNegative('delayMs', fault.delayMs);
    this.arm('slow', fault, fault.endpoint);
  }

  malformedJson(fault: MalformedJsonFault = {}): void {
    this.arm('malformedJson', fault, fault.endpoint);
  }

  dropDownload(fault: DropDownloadFault): void {
    requireNonNegative('afterBytes', fault.afterBytes);
    this.arm('dropDownload', fault, 'download');
  }

  dropConnection(fault: DropConnectionFault): void {
    requireOneOf('dropConnection.when', fault.when, ['before-processing', 'after-processing']);
    this.arm('dropConnection', fault, fault.endpoint);
  }

  garbledResponse(fault: GarbledResponseFault): void {
    requireOneOf('garbledResponse.body', fault.body, ['html', 'truncated-json', 'cut-off']);
    requireOneOf('garbledResponse.when', fault.when, ['before-processing', 'after-processing']);
    const status = fault.status ?? 200;
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`garbledResponse.status must be an HTTP status from 200 to 599, got ${status}`);
    }
    if (fault.echoHeaders && fault.body !== 'html')
      throw new RangeError(`garbledResponse.echoHeaders needs body 'html'`);
    this.arm('garbledResponse', fault, fault.endpoint);
  }

  chunkedDownload(fault: ChunkedDownloadFault = {}): void {
    this.arm('chunkedDownload', fault, 'download');
  }

  slowDownload(fault: SlowDownloadFault): void {
    if (!Number.isInteger(fault.bytesPerChunk) || fault.bytesPerChunk < 1) {
      throw new RangeError(`bytesPerChunk must be a whole number >= 1, got ${fault.bytesPerChunk}`);
    }
    requireNonNegative('intervalMs', fault.intervalMs);
    this.arm('slowDownload', fault, 'download');
  }

  malformedListItems(fault: MalformedListItemsFault): void {
    if (!Array.isArray(fault.kinds) || fault.kinds.length === 0) {
      throw new RangeError(`malformedListItems.kinds must list at least one of ${MALFORMED_ITEM_KINDS.join(', ')}`);
    }
    for (const kind of fault.kinds) requireOneOf('malformedListItems.kinds', kind, MALFORMED_ITEM_KINDS);
    const endpoints = fault.endpoint === undefined ? ['list', 'devices'] : [fault.endpoint].flat();
    for (const endpoint of endpoints) requireOneOf('malformedListItems.endpoint', endpoint, ['list', 'devices']);
    this.arm('malformedListItems', fault, endpoints as ListEndpoint[]);
  }

  clear(): void {
    this.armed = [];
  }

  /** Consumes one use of the first armed fault of this kind that applies to the endpoint (and passes `accept`). */
  take<K extends FaultKind>(
    kind: K,
    endpoint: EndpointName,
    accept: (spec: FaultSpecs[K]) => boolean = () => true,
  ): FaultSpecs[K] | undefined {
    if (endpoint === 'other') return undefined;
    const index = this.armed.findIndex(
      (fault) =>
        fault.kind === kind &&
        (fault.endpoints === null || fault.endpoints.has(endpoint)) &&
        accept(fault.spec as FaultSpecs[K]),
    );
    const fault = this.armed[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.armed.splice(index, 1);
    return fault.spec as FaultSpecs[K];
  }

  private arm<K extends FaultKind>(kind: K, spec: FaultSpecs[K], endpoint: EndpointSelector | undefined): void {
    const times = spec.times ?? 1;
    if (!(times === Number.POSITIVE_INFINITY || (Number.isInteger(times) && times >= 1))) {
      throw new RangeError(`times must be a positive integer or Infinity, got ${times}`);
    }
    const endpoints = endpoint === undefined ? null : new Set(typeof endpoint === 'string' ? [endpoint] : endpoint);
    this.armed.push({ kind, spec, endpoints, remaining: times });
  }
}

function requireNonNegative(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
}

function requireOneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(value as string)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${String(value)}`);
  }
}

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
}
