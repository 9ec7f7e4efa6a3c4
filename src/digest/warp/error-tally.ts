import { isKnownWarpErrorCode } from './error-codes.js';
import type { WarpErrorTally } from './model.js';

/**
 * Distinct codes kept beside the documented ones (which always have their place, so a flood of made-up codes cannot
 * push them out): Cloudflare documents 16; a bundle naming hundreds more is not telling us more.
 */
export const MAX_ERROR_CODES = 256;

interface Tally {
  count: number;
  lastAtMs: number | null;
  inStatus: boolean;
}

/** How often each `CF_…` code was named, and when last; bounded to the documented codes and MAX_ERROR_CODES more. */
export class ErrorTally {
  /** Mentions of codes that found the table full. */
  untallied = 0;
  private readonly codes = new Map<string, Tally>();
  private unknownCodes = 0;

  add(code: string, atMs: number | null, inStatus = false): void {
    let tally = this.codes.get(code);
    if (!tally) {
      const known = isKnownWarpErrorCode(code);
      if (!known && this.unknownCodes >= MAX_ERROR_CODES) {
        this.untallied += 1;
        return;
      }
      if (!known) this.unknownCodes += 1;
      tally = { count: 0, lastAtMs: null, inStatus: false };
      this.codes.set(code, tally);
    }
    tally.count += 1;
    if (atMs !== null && (tally.lastAtMs === null || atMs > tally.lastAtMs)) tally.lastAtMs = atMs;
    if (inStatus) tally.inStatus = true;
  }

  /** Most recently seen first; codes never seen with a time after those, most frequent first. */
  list(): WarpErrorTally[] {
    return [...this.codes]
      .sort(([codeA, a], [codeB, b]) => {
        const byTime = (b.lastAtMs ?? Number.NEGATIVE_INFINITY) - (a.lastAtMs ?? Number.NEGATIVE_INFINITY);
        if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
        return b.count - a.count || (codeA < codeB ? -1 : codeA > codeB ? 1 : 0);
      })
      .map(([code, tally]) => ({
        code,
        count: tally.count,
        ...(tally.lastAtMs !== null && { lastAt: new Date(tally.lastAtMs).toISOString() }),
        ...(tally.inStatus && { inStatus: true as const }),
      }));
  }
}
