import type { FakeCall } from './types.js';

/** Every request the fake answered, in arrival order. */
export class CallLog {
  readonly calls: FakeCall[] = [];

  record(call: FakeCall): void {
    this.calls.push(call);
  }

  to(method: string): FakeCall[] {
    return this.calls.filter((call) => call.method === method);
  }
}
