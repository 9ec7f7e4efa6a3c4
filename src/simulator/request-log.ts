import type { EndpointName } from './endpoints.js';

export interface RequestLogEntry {
  readonly method: string;
  readonly path: string;
  readonly endpoint: EndpointName;
  /** Query parameters (the last value wins when a key repeats). */
  readonly query: Readonly<Record<string, string>>;
  /** The status sent; 0 while unanswered or when the connection was dropped without an answer. */
  readonly status: number;
  /** Simulated time at which the request arrived. */
  readonly at: Date;
}

type MutableEntry = { -readonly [K in keyof RequestLogEntry]: RequestLogEntry[K] };

/** Every request, in arrival order. Capped so a long demo does not grow memory without end. */
export class RequestLog {
  private readonly entries: MutableEntry[] = [];

  constructor(private readonly capacity = 10_000) {}

  all(): readonly RequestLogEntry[] {
    return this.entries;
  }

  /** Records an arriving request; the returned setter fills in the status once it is known. */
  record(entry: Omit<RequestLogEntry, 'status'>): (status: number) => void {
    const stored: MutableEntry = { ...entry, status: 0 };
    this.entries.push(stored);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return (status) => {
      stored.status = status;
    };
  }

  clear(): void {
    this.entries.length = 0;
  }
}
