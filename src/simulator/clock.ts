/**
 * The simulated clock: real time scaled by `timeScale`, plus whatever `advance()` added. Command lifecycles and
 * the quota window run on it; rate limiting deliberately does not (it uses real time, like a client's timers).
 */
export class SimClock {
  private readonly realStart: number;
  private readonly simStart: number;
  private advancedMs = 0;

  constructor(
    private readonly timeScale: number,
    private readonly realNow: () => number = Date.now,
  ) {
    this.realStart = realNow();
    this.simStart = this.realStart;
  }

  nowMs(): number {
    return this.simStart + (this.realNow() - this.realStart) * this.timeScale + this.advancedMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`advance() needs a finite, non-negative ms, got ${ms}`);
    this.advancedMs += ms;
  }
}
