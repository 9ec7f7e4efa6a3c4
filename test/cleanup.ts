import { onTestFinished } from 'vitest';

/**
 * Runs `cleanup` when the current test finishes (after its afterEach hooks, pass or fail) and returns true. Outside a
 * test (in beforeAll, or at import) it does nothing and returns false: the caller keeps the resource for its afterAll.
 * A resource made by a test is thus released by that test, and no afterAll does work that grows with the test count.
 */
export function whenTestFinishes(cleanup: () => unknown): boolean {
  try {
    onTestFinished(async () => {
      await cleanup();
    });
    return true;
  } catch (error) {
    if (String(error).includes('can only be called inside a test')) return false;
    throw error;
  }
}
