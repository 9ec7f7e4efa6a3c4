import { describe, expect, it } from 'vitest';
import { SharedRead } from '../../src/captures/shared-read.js';

function counting<T>(answers: (() => Promise<T>)[]) {
  let calls = 0;
  return {
    load: () => {
      const answer = answers[Math.min(calls, answers.length - 1)] as () => Promise<T>;
      calls++;
      return answer();
    },
    calls: () => calls,
  };
}

describe('SharedRead', () => {
  it('one load for everyone who asks within the time, including those who ask while it loads', async () => {
    let now = 0;
    let resolve: (value: number) => void = () => {};
    const source = counting([() => new Promise<number>((r) => (resolve = r)), async () => 2]);
    const read = new SharedRead(source.load, 30_000, () => now);
    const waiting = Array.from({ length: 100 }, () => read.get());
    expect(read.peek()).toBeNull();
    resolve(1);
    expect(await Promise.all(waiting)).toEqual(Array(100).fill(1));
    now = 29_999;
    expect(await read.get()).toBe(1);
    expect(read.peek()).toBe(1);
    expect(source.calls()).toBe(1);
    now = 30_000;
    expect(read.peek()).toBeNull();
    expect(await read.get()).toBe(2);
    expect(source.calls()).toBe(2);
  });

  it('keeps a failure for the same time: an outage does not multiply calls', async () => {
    let now = 0;
    const source = counting([() => Promise.reject(new Error('503')), async () => 7]);
    const read = new SharedRead(source.load, 30_000, () => now);
    for (let i = 0; i < 50; i++) await expect(read.get()).rejects.toThrow('503');
    expect(source.calls()).toBe(1);
    now = 30_000;
    expect(await read.get()).toBe(7);
  });

  it('remembers the last answer that came, however old, with when it was asked for, through later failures', async () => {
    let now = 1_000;
    const source = counting([async () => 38, () => Promise.reject(new Error('503'))]);
    const read = new SharedRead(source.load, 30_000, () => now);
    expect(read.lastKnown()).toBeNull();
    expect(await read.get()).toBe(38);
    now = 1_000 + 12 * 60_000;
    await expect(read.get()).rejects.toThrow('503');
    expect(read.peek()).toBeNull();
    expect(read.lastKnown()).toEqual({ value: 38, at: 1_000 });
  });

  it('once expired (captures were created, so the quota went down) the next ask loads again, once for everyone', async () => {
    const now = 0;
    const source = counting([async () => 800, async () => 794]);
    const read = new SharedRead(source.load, 30_000, () => now);
    expect(await read.get()).toBe(800);
    read.expire();
    expect(read.peek()).toBeNull();
    expect(read.lastKnown()?.value).toBe(800);
    expect(await Promise.all([read.get(), read.get(), read.get()])).toEqual([794, 794, 794]);
    expect(read.peek()).toBe(794);
    expect(source.calls()).toBe(2);
  });

  it("a caller's own time limit ends its wait, not the shared load", async () => {
    let resolve: (value: number) => void = () => {};
    const source = counting([() => new Promise<number>((r) => (resolve = r))]);
    const read = new SharedRead(source.load, 30_000, () => 0);
    const impatient = new AbortController();
    const first = read.get(impatient.signal);
    const second = read.get();
    impatient.abort(new Error('out of time'));
    await expect(first).rejects.toThrow('out of time');
    resolve(3);
    expect(await second).toBe(3);
    expect(source.calls()).toBe(1);
  });
});
