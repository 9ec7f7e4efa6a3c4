import type { Endpoint, EndpointName } from './endpoints.js';

export type EndpointSelector = Endpoint | readonly Endpoint[];

interface FaultTarget {
  /** Which endpoints the fault applies to; absent means all five. */
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

interface FaultSpecs {
  rateLimit: RateLimitFault;
  serverError: ServerErrorFault;
  slow: SlowFault;
  malformedJson: MalformedJsonFault;
  dropDownload: DropDownloadFault;
  dropConnection: DropConnectionFault;
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
    if (fault.when !== 'before-processing' && fault.when !== 'after-processing') {
      throw new RangeError(`dropConnection.when must be 'before-processing' or 'after-processing'`);
    }
    this.arm('dropConnection', fault, fault.endpoint);
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

function requirePositive(name: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a finite number > 0, got ${value}`);
}
