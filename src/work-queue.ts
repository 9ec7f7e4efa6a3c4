import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Runs follow-up work a few tasks at a time, each after the I/O already waiting. Under a burst, Slack's
 * 3-second acknowledgements then go first and the work (starting captures, opening modals) right after,
 * instead of every task's store writes and API calls competing with them (see README, Performance).
 */
export class WorkQueue {
  #running = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(private readonly concurrency = 2) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    // A finishing task hands its slot straight to the next waiting one.
    if (this.#running < this.concurrency) this.#running++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      await nextTurn();
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
  }
}
