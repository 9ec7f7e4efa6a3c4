const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const DASH = 0x2d;

/** A small seeded PRNG (mulberry32) so a given seed always yields the same fleet. */
export class SeededRandom {
  private state: number;
  private readonly uuidScratch = Buffer.alloc(36);

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(minInclusive: number, maxInclusive: number): number {
    return minInclusive + Math.floor(this.next() * (maxInclusive - minInclusive + 1));
  }

  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }

  /**
   * A UUID v4 drawn from this generator (deterministic, unlike crypto.randomUUID). Written into a byte buffer so the
   * result is one flat string: seeding 20,000 devices builds tens of thousands of these.
   */
  uuid(): string {
    const text = this.uuidScratch;
    let at = 0;
    for (let i = 0; i < 16; i++) {
      let byte = Math.floor(this.next() * 256);
      if (i === 6) byte = (byte & 0x0f) | 0x40;
      if (i === 8) byte = (byte & 0x3f) | 0x80;
      text[at++] = HEX_DIGITS[byte >> 4] as number;
      text[at++] = HEX_DIGITS[byte & 0x0f] as number;
      if (i === 3 || i === 5 || i === 7 || i === 9) text[at++] = DASH;
    }
    return text.toString('latin1');
  }
}
