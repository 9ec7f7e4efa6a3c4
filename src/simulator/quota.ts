const DAY_MS = 24 * 60 * 60 * 1000;

export interface QuotaSnapshot {
  total: number;
  used: number;
  resetAtMs: number;
}

/**
 * The daily capture quota. The current spec describes `quota` as the *total* number of commands an account may
 * start (older wording said "remaining"); the simulator reads it as the total, so remaining = quota - quota_usage.
 * The window resets at midnight UTC of the simulated clock (real alignment is undocumented).
 */
export class Quota {
  private total: number;
  private used: number;
  private resetAtMs: number;

  constructor(total: number, used: number, nowMs: number) {
    this.total = total;
    this.used = used;
    this.resetAtMs = nextMidnightUtc(nowMs);
  }

  snapshot(nowMs: number): QuotaSnapshot {
    this.rollOver(nowMs);
    return { total: this.total, used: this.used, resetAtMs: this.resetAtMs };
  }

  remaining(nowMs: number): number {
    this.rollOver(nowMs);
    return Math.max(0, this.total - this.used);
  }

  consume(count: number, nowMs: number): void {
    this.rollOver(nowMs);
    this.used += count;
  }

  set(values: { total?: number; used?: number }, nowMs: number): void {
    this.rollOver(nowMs);
    if (values.total !== undefined) this.total = checkCount('total', values.total);
    if (values.used !== undefined) this.used = checkCount('used', values.used);
  }

  private rollOver(nowMs: number): void {
    if (nowMs < this.resetAtMs) return;
    this.used = 0;
    this.resetAtMs += Math.floor((nowMs - this.resetAtMs) / DAY_MS + 1) * DAY_MS;
  }
}

export function nextMidnightUtc(nowMs: number): number {
  return (Math.floor(nowMs / DAY_MS) + 1) * DAY_MS;
}

export function checkCount(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`quota ${name} must be a non-negative integer`);
  return value;
}
