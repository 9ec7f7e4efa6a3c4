import { randomBytes } from 'node:crypto';

/**
 * Slack-looking ids and message timestamps for one fake. Counters live on the instance so two fakes in one
 * process never share state; ids are predictable (V0000000001, F0000000001) to keep test failures readable.
 */
export class IdFactory {
  private readonly counters = new Map<string, number>();
  private lastTsMicros = 0;

  /** `prefix` + 10 digits, e.g. `V0000000003`. */
  next(prefix: string): string {
    const n = (this.counters.get(prefix) ?? 0) + 1;
    this.counters.set(prefix, n);
    return `${prefix}${String(n).padStart(10, '0')}`;
  }

  /** Message ts like `1732543200.000100`: wall-clock seconds, strictly increasing within this fake. */
  ts(): string {
    const nowMicros = Math.floor(Date.now() / 1000) * 1_000_000 + 100;
    this.lastTsMicros = Math.max(nowMicros, this.lastTsMicros + 100);
    const seconds = Math.floor(this.lastTsMicros / 1_000_000);
    const micros = this.lastTsMicros % 1_000_000;
    return `${seconds}.${String(micros).padStart(6, '0')}`;
  }

  /** trigger_id in Slack's shape (`13345224609.738474920.8088930838d88f008e0`). */
  triggerId(): string {
    const n = this.next('trigger');
    return `${Date.now()}.${n.slice(-9)}.${randomBytes(10).toString('hex')}`;
  }

  /** View hash: changes on every update (`1732543200.AbCd1234`). */
  hash(): string {
    return `${Math.floor(Date.now() / 1000)}.${randomBytes(6).toString('base64url')}`;
  }

  /** Unguessable token for URLs (response_url, upload, socket ticket). */
  secret(): string {
    return randomBytes(12).toString('hex');
  }
}
