import { DeliveryError } from '../captures/notifier.js';

/**
 * Slack's answers that mean the message or conversation a notice needed is gone, or the bot may no longer write
 * there: retrying cannot help, a new status message can.
 */
const GONE = new Set([
  'message_not_found',
  'cant_update_message',
  'edit_window_closed',
  'thread_not_found',
  'channel_not_found',
  'is_archived',
  'not_in_channel',
]);

/** Slack's error code of a Web API failure (`ok:false`), if that is what it was. */
export function slackErrorCode(error: unknown): string | null {
  const { code, data } = (error ?? {}) as { code?: unknown; data?: { error?: unknown } };
  if (code !== 'slack_webapi_platform_error') return null;
  return typeof data?.error === 'string' && /^[a-z_]{1,64}$/.test(data.error) ? data.error : 'unknown_error';
}

/**
 * The domain's view of a failed Web API call. The message names the Slack error code or the kind of failure, for
 * the logs; no raw library text travels further.
 */
export function toDeliveryError(error: unknown, method: string): DeliveryError {
  if (error instanceof DeliveryError) return error;
  const slackError = slackErrorCode(error);
  if (slackError)
    return new DeliveryError(GONE.has(slackError) ? 'gone' : 'failed', `${method}: Slack said ${slackError}`);
  const { code, retryAfter, statusCode } = (error ?? {}) as {
    code?: unknown;
    retryAfter?: unknown;
    statusCode?: unknown;
  };
  if (code === 'slack_webapi_rate_limited_error') {
    const seconds = typeof retryAfter === 'number' ? retryAfter : 30;
    return new DeliveryError('failed', `${method}: rate limited by Slack`, seconds * 1000);
  }
  if (code === 'slack_webapi_http_error')
    return new DeliveryError('failed', `${method}: Slack answered HTTP ${String(statusCode)}`);
  if (code === 'slack_webapi_request_error')
    return new DeliveryError('failed', `${method}: Slack could not be reached`);
  const name = error instanceof Error ? error.name : 'error';
  return new DeliveryError('failed', `${method}: failed (${name})`);
}

/** Runs one Web API call, turning any failure into a DeliveryError. */
export async function delivering<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toDeliveryError(error, method);
  }
}
