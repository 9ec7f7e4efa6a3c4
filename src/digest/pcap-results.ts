import type { InterfaceResult, ZipEntrySink } from './model.js';

/** results.json is a few hundred bytes; one larger than this is not read. */
const MAX_RESULTS_BYTES = 1024 * 1024;

/** Collects the first results.json (up to MAX_RESULTS_BYTES) and parses it once complete. */
export class ResultsCollector {
  results: unknown = undefined;
  #claimed = false;

  claim(name: string): ZipEntrySink | null {
    if (this.#claimed || name.split('/').pop() !== 'results.json') return null;
    this.#claimed = true;
    const parts: Buffer[] = [];
    let bytes = 0;
    return {
      write: (chunk) => {
        bytes += chunk.length;
        // The chunk is the tap's: keep a copy, and none once it is too large.
        if (bytes <= MAX_RESULTS_BYTES) parts.push(Buffer.from(chunk));
        else parts.length = 0;
      },
      end: (complete) => {
        if (!complete || bytes > MAX_RESULTS_BYTES) return;
        try {
          this.results = JSON.parse(Buffer.concat(parts).toString('utf8'));
        } catch {
          this.results = undefined;
        }
      },
    };
  }
}

/** Each interface's result from a results.json (untrusted JSON with no published schema), or null when unreadable. */
export function interfaceResults(results: unknown): InterfaceResult[] | null {
  const captures = (results as { captures?: unknown } | null)?.captures;
  if (!Array.isArray(captures) || captures.length === 0) return null;
  const found = captures.slice(0, 16).flatMap((capture): InterfaceResult[] => {
    if (typeof capture !== 'object' || capture === null) return [];
    const { interface: name, status, error } = capture as Record<string, unknown>;
    if (typeof name !== 'string' || name.length === 0) return [];
    const ok = typeof status === 'string' && status.toLowerCase() === 'success';
    return [
      { name: name.slice(0, 64), ok, error: !ok && typeof error === 'string' && error ? error.slice(0, 300) : null },
    ];
  });
  return found.length ? found : null;
}
