/** One byte range of a download, inclusive at both ends, as RFC 9110 §14 defines it. */
export type RangeDecision =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

export interface RangeRequest {
  range?: string | undefined;
  ifRange?: string | undefined;
}

export interface Validators {
  etag: string;
  lastModified: Date;
}

/**
 * Decides what part of a `size`-byte body to send. Multiple ranges and malformed headers are ignored (a full 200 is
 * always a valid answer); an If-Range that no longer matches also means "send it all".
 */
export function decideRange(request: RangeRequest, size: number, validators: Validators): RangeDecision {
  const header = request.range?.trim();
  if (!header) return { kind: 'full' };
  if (request.ifRange !== undefined && !ifRangeMatches(request.ifRange.trim(), validators)) return { kind: 'full' };
  const match = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)$/i.exec(header);
  if (!match) return { kind: 'full' };
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const requestedEnd = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (requestedEnd < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(requestedEnd, size - 1) };
}

function ifRangeMatches(ifRange: string, validators: Validators): boolean {
  // An entity tag must match strongly; a date must equal Last-Modified (to the second).
  if (ifRange.startsWith('"') || ifRange.startsWith('W/')) {
    return !ifRange.startsWith('W/') && ifRange === validators.etag;
  }
  const date = Date.parse(ifRange);
  return !Number.isNaN(date) && Math.floor(date / 1000) === Math.floor(validators.lastModified.getTime() / 1000);
}
