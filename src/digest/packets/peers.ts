import type { AddressKey } from './addresses.js';

/**
 * Peers kept: memory stays constant however many addresses a capture holds. Space-saving guarantees that any address
 * with more than 1/256 of the bytes is in the table, and its count is exact while the table never had to evict.
 */
export const PEER_CAPACITY = 256;

export class PeerEntry {
  packets = 0;
  bytes = 0;
  /** How much of `bytes` and `packets` may belong to addresses evicted before this one took their place. */
  overestimate = 0;
  /** Names kept with the entry, so a name evicted from the name tables is not lost for a peer still counted. */
  dnsName: string | null = null;
  serverName: string | null = null;
  heapIndex = 0;

  constructor(public key: AddressKey) {}
}

/**
 * The heavy hitters by bytes (Metwally et al.'s space-saving): when full, a new address takes the place of the one
 * with the fewest bytes and inherits its counts. A min-heap on bytes finds that one in O(1) and keeps each update
 * O(log n) (an entry only ever grows, so it only sinks); entries are reused, so a busy capture allocates nothing.
 */
export class PeerTable {
  private readonly heap: PeerEntry[] = [];
  private readonly index = new Map<AddressKey, PeerEntry>();

  constructor(
    private readonly capacity = PEER_CAPACITY,
    /** Called for a newly (re)used entry, to give it the names already known for its address. */
    private readonly named: (entry: PeerEntry) => void = () => {},
  ) {}

  get(key: AddressKey): PeerEntry | undefined {
    return this.index.get(key);
  }

  add(key: AddressKey, bytes: number): void {
    let entry = this.index.get(key);
    if (entry === undefined) {
      if (this.heap.length < this.capacity) {
        entry = new PeerEntry(key);
        entry.heapIndex = this.heap.length;
        this.heap.push(entry);
        this.siftUp(entry.heapIndex);
      } else {
        entry = this.heap[0] as PeerEntry;
        this.index.delete(entry.key);
        entry.key = key;
        entry.overestimate = entry.bytes;
        entry.dnsName = null;
        entry.serverName = null;
      }
      this.index.set(key, entry);
      this.named(entry);
    }
    entry.packets++;
    entry.bytes += bytes;
    this.siftDown(entry.heapIndex);
  }

  entries(): readonly PeerEntry[] {
    return this.heap;
  }

  private siftUp(index: number): void {
    const heap = this.heap;
    const entry = heap[index] as PeerEntry;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as PeerEntry;
      if (parent.bytes <= entry.bytes) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }

  private siftDown(index: number): void {
    const heap = this.heap;
    const size = heap.length;
    const entry = heap[index] as PeerEntry;
    for (;;) {
      let child = 2 * index + 1;
      if (child >= size) break;
      const right = child + 1;
      if (right < size && (heap[right] as PeerEntry).bytes < (heap[child] as PeerEntry).bytes) child = right;
      const smaller = heap[child] as PeerEntry;
      if (smaller.bytes >= entry.bytes) break;
      heap[index] = smaller;
      smaller.heapIndex = index;
      index = child;
    }
    heap[index] = entry;
    entry.heapIndex = index;
  }
}
