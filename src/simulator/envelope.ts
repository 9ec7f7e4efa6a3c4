/** Cloudflare's v4 response envelope (reference §2.3): the only JSON shape the simulator ever sends. */

export interface CfMessage {
  code: number;
  message: string;
  source?: { pointer: string };
}

export interface ResultInfo {
  count: number;
  page: number;
  per_page: number;
  total_count: number;
  total_pages: number;
}

export interface SuccessEnvelope<T> {
  success: true;
  errors: [];
  messages: [];
  result: T;
  result_info?: ResultInfo;
}

export interface FailureEnvelope {
  success: false;
  errors: CfMessage[];
  messages: [];
  result: null;
}

export function successEnvelope<T>(result: T, resultInfo?: ResultInfo): SuccessEnvelope<T> {
  const envelope: SuccessEnvelope<T> = { success: true, errors: [], messages: [], result };
  if (resultInfo) envelope.result_info = resultInfo;
  return envelope;
}

export function failureEnvelope(errors: CfMessage[]): FailureEnvelope {
  return { success: false, errors, messages: [], result: null };
}

/** Page bookkeeping shared by both list endpoints; `total_count` is the number of matches, not of all rows. */
export function resultInfo(page: number, perPage: number, pageCount: number, totalCount: number): ResultInfo {
  return {
    count: pageCount,
    page,
    per_page: perPage,
    total_count: totalCount,
    total_pages: Math.ceil(totalCount / perPage),
  };
}
