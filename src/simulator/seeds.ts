import { createHash } from 'node:crypto';

/** Deterministic values drawn from text: the same command id always gives the same artifact. */

export function hexDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A PRNG seed from text. */
export function seedFor(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/** A UUID-shaped id that is plainly not real: all zeros up to the last group. */
export function fakeUuid(label: string): string {
  return `00000000-0000-4000-8000-${hexDigest(label).slice(0, 12)}`;
}
