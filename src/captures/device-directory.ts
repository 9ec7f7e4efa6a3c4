import type { DexClient } from '../dex/client.js';
import type { Device } from '../dex/types.js';

const SEARCH_TTL_MS = 30_000;
/** Slack shows at most 100 options; two pages of 50 cover that. */
const MAX_SEARCH_RESULTS = 100;

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

  constructor(
    private readonly dex: Pick<DexClient, 'iterateDevices'>,
    private readonly now: () => number = Date.now,
  ) {}

  search(query: string, signal?: AbortSignal): Promise<Device[]> {
    const key = query.trim().toLowerCase();
    const cached = this.#searches.get(key);
    if (cached && this.now() - cached.at < SEARCH_TTL_MS) return cached.result;

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
  }
}

function deviceKey(deviceId: string, registrationId: string | null): string {
  return `${deviceId}:${registrationId ?? ''}`;
}
