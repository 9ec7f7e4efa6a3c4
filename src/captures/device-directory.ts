import type { DexClient } from '../dex/client.js';
import type { Device } from '../dex/types.js';

const SEARCH_TTL_MS = 30_000;
/** Slack shows at most 100 options; two pages of 50 cover that. */
const MAX_SEARCH_RESULTS = 100;
/**
 * Searches one person may send to Cloudflare per minute (answers from the cache are free). Typing sends one search
 * per pause, so 30 is far above what a person types, and far below what one could spend of the token's 1200 calls
 * per 5 minutes that everyone (the dashboard included) shares.
 */
export const SEARCHES_PER_PERSON_PER_MINUTE = 30;
const WINDOW_MS = 60_000;

/** A person sent too many searches to Cloudflare in the last minute; `retryInMs` until the next is allowed. */
export class SearchLimitedError extends Error {
  constructor(readonly retryInMs: number) {
    super('too many device searches from one person');
    this.name = 'SearchLimitedError';
  }
}

interface CachedSearch {
  at: number;
  result: Promise<Device[]>;
}

/**
 * Device search with a short cache: the options load must answer Slack within 3 s, and identical searches
 * (typing, several agents) within 30 s cost at most one Cloudflare call. It also remembers every device it
 * has seen, so a submitted selection can be checked without another call.
 */
export class DeviceDirectory {
  readonly #searches = new Map<string, CachedSearch>();
  readonly #seen = new Map<string, Device>();
  /** Per person, when their recent searches went to Cloudflare (within the last minute). */
  readonly #sent = new Map<string, number[]>();

  constructor(
    private readonly dex: Pick<DexClient, 'iterateDevices'>,
    private readonly now: () => number,
  ) {}

  /** Devices matching `query`. With `by`, a search that would go to Cloudflare counts against that person's budget. */
  search(query: string, { signal, by }: { signal?: AbortSignal; by?: string } = {}): Promise<Device[]> {
    const key = query.trim().toLowerCase();
    const cached = this.#searches.get(key);
    if (cached && this.now() - cached.at < SEARCH_TTL_MS) return cached.result;
    if (by) {
      const retryInMs = this.#spend(by);
      if (retryInMs > 0) return Promise.reject(new SearchLimitedError(retryInMs));
    }

    const result = this.#fetch(key, signal);
    this.#searches.set(key, { at: this.now(), result });
    // A failed search must not be served from the cache.
    result.catch(() => this.#searches.delete(key));
    this.#prune();
    return result;
  }

  /** A device seen in an earlier search (by device id and registration id), if any. */
  known(deviceId: string, registrationId: string | null): Device | undefined {
    return this.#seen.get(deviceKey(deviceId, registrationId));
  }

  async #fetch(query: string, signal?: AbortSignal): Promise<Device[]> {
    const devices: Device[] = [];
    for await (const device of this.dex.iterateDevices(query ? { search: query } : {}, { signal })) {
      devices.push(device);
      this.#seen.set(deviceKey(device.id, device.registrationId), device);
      if (devices.length >= MAX_SEARCH_RESULTS) break;
    }
    return devices;
  }

  #prune(): void {
    const now = this.now();
    for (const [key, entry] of this.#searches) if (now - entry.at >= SEARCH_TTL_MS) this.#searches.delete(key);
    for (const [person, times] of this.#sent) if (now - (times.at(-1) ?? 0) >= WINDOW_MS) this.#sent.delete(person);
  }

  /** Takes one search from the person's budget; 0 when allowed, else how long until one is. */
  #spend(person: string): number {
    const now = this.now();
    const recent = (this.#sent.get(person) ?? []).filter((at) => now - at < WINDOW_MS);
    if (recent.length >= SEARCHES_PER_PERSON_PER_MINUTE) {
      this.#sent.set(person, recent);
      return WINDOW_MS - (now - (recent[0] as number));
    }
    recent.push(now);
    this.#sent.set(person, recent);
    return 0;
  }
}

function deviceKey(deviceId: string, registrationId: string | null): string {
  return `${deviceId}:${registrationId ?? ''}`;
}
