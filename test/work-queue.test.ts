import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../src/work-queue.js';

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('WorkQueue', () => {
  it('runs at most `concurrency` tasks at once, the rest in arrival order', async () => {
    const queue = new WorkQueue(2);
    const started: number[] = [];
    const release: Array<() => void> = [];
    const runs = [0, 1, 2, 3].map((i) =>
      queue.run(async () => {
        started.push(i);
        await new Promise<void>((resolve) => release.push(resolve));
        return i;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    release.shift()?.();
    await settle();
    expect(started).toEqual([0, 1, 2]);
    for (let i = 0; i < 3; i++) {
      release.shift()?.();
      await settle();
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('a failing task gives its result to its caller and its slot to the next task', async () => {
    const queue = new WorkQueue(1);
    const failed = queue.run(async () => {
      throw new Error('boom');
    });
    const next = queue.run(async () => 'ran');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });

  it('starts a task only after the current turn of the event loop, so waiting requests are read first', async () => {
    const queue = new WorkQueue(1);
    let started = false;
    const task = queue.run(async () => {
      started = true;
    });
    for (let i = 0; i < 20; i++) await Promise.resolve();
    expect(started).toBe(false);
    await task;
    expect(started).toBe(true);
  });
});
