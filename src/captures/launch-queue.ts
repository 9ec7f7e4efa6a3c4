import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Starts capture requests a few at a time, each after the I/O already waiting. A burst of submissions is then
 * acknowledged first and started right after, instead of every start's store writes and API calls competing
 * with Slack's 3-second acknowledgements (see README, Performance).
 */
export class LaunchQueue {
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
