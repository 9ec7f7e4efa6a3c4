import { Transform, type TransformCallback } from 'node:stream';

export interface TransferPace {
  /** Time every transfer gets on top of its size's share (connection set-up, Slack's answer). */
  graceMs: number;
  /** The slowest average the bot accepts: a transfer gets `bytes / minBytesPerSecond` seconds on top of the grace. */
  minBytesPerSecond: number;
}

/** Generous for server-to-server links (Cloudflare → bot → Slack); a 50 MB capture gets about 5 minutes. */
export const DEFAULT_PACE: TransferPace = { graceMs: 60_000, minBytesPerSecond: 192 * 1024 };

/** A transfer ran past its deadline (too slow on average, or stalled). */
export class TransferTooSlowError extends Error {
  constructor(
    readonly bytes: number,
    readonly elapsedMs: number,
  ) {
    super(`the transfer was too slow (${bytes} bytes in ${Math.round(elapsedMs / 1000)} s)`);
    this.name = 'TransferTooSlowError';
  }
}

/**
 * An overall deadline proportionate to a transfer's size, not only an idle timeout: a download that drips a byte now
 * and then never trips an idle timeout, and would hold its relay slot for hours. With the size unknown (a download
 * without a length), the bytes seen so far set the deadline: the transfer must keep up the minimum average pace.
 * `meter()` counts the bytes passing; `signal` aborts when the deadline passes.
 */
export class TransferDeadline {
  readonly #controller = new AbortController();
  readonly #started: number;
  readonly #timer: NodeJS.Timeout;
  #bytes = 0;

  constructor(
    private readonly pace: TransferPace,
    private readonly totalBytes: number | null,
    private readonly now: () => number,
  ) {
    this.#started = now();
    const check = Math.max(10, Math.min(1_000, Math.floor(pace.graceMs / 4)));
    this.#timer = setInterval(() => this.#check(), check);
    this.#timer.unref();
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Counts what passes through (the upload leg), for the deadline of a transfer whose size was not known. */
  meter(): Transform {
    return new Transform({
      transform: (chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) => {
        this.#bytes += chunk.length;
        callback(null, chunk);
      },
    });
  }

  /** Stops the clock (the transfer ended, one way or the other). */
  done(): void {
    clearInterval(this.#timer);
  }

  #check(): void {
    const elapsed = this.now() - this.#started;
    const allowed = this.pace.graceMs + ((this.totalBytes ?? this.#bytes) / this.pace.minBytesPerSecond) * 1000;
    if (elapsed <= allowed) return;
    this.done();
    this.#controller.abort(new TransferTooSlowError(this.#bytes, elapsed));
  }
}
