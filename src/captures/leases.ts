import type { Logger } from '../logger.js';
import type { LeaseStore } from './store.js';

/** A lease this process holds; renewed in the background until released. */
export interface HeldLease {
  /** Renews now; false when the lease was lost (another replica took it after it expired). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Work that must be done by one replica at a time (polling the account, relaying one artifact, starting one
 * request) is claimed through leases in the shared store. A replica that dies stops renewing; its leases
 * expire after `ttlMs` and another replica takes the work over from the step the store records.
 */
export class Leases {
  constructor(
    private readonly store: LeaseStore,
    /** Unique per process. */
    readonly owner: string,
    readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => Date,
  ) {}

  /** Takes or renews `name` for one term; false when another replica holds it. */
  claim(name: string): Promise<boolean> {
    return this.store.acquireLease(name, this.owner, this.ttlMs, this.now());
  }

  /** Gives `name` up now (when stopping), so another replica need not wait for it to expire. */
  release(name: string): Promise<void> {
    return this.store.releaseLease(name, this.owner);
  }

  /** Takes `name` and keeps renewing it every third of a term until released; null when another holds it. */
  async hold(name: string): Promise<HeldLease | null> {
    if (!(await this.claim(name))) return null;
    const renew = () =>
      this.claim(name).catch((error: unknown) => {
        this.logger.warn({ err: error, lease: name }, 'could not renew a lease');
        return false;
      });
    const timer = setInterval(() => void renew(), Math.max(1, Math.floor(this.ttlMs / 3)));
    timer.unref();
    return {
      renew,
      release: async () => {
        clearInterval(timer);
        await this.release(name).catch((error: unknown) => {
          // It expires by itself; only the takeover is later.
          this.logger.warn({ err: error, lease: name }, 'could not release a lease');
        });
      },
    };
  }
}
