import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { SearchLimitedError } from '../../../captures/device-directory.js';
import { deviceOptions, searchLimitedOptions } from '../../ui/device-option.js';
import type { ListenerDeps } from '../deps.js';

/** Slack waits 3 s for options; leave room for the answer to travel. */
const SEARCH_BUDGET_MS = 2_500;

/** The device picker's search (block_suggestion): by device name or email. */
export function deviceSearch({ service, access, logger }: ListenerDeps) {
  return async ({
    options,
    ack,
  }: AllMiddlewareArgs & SlackOptionsMiddlewareArgs<'block_suggestion'>): Promise<void> => {
    // One budget for the whole answer: the access check and the search share it.
    const budget = AbortSignal.timeout(SEARCH_BUDGET_MS);
    // The device list names people: only those who may capture can search it.
    if (!(await access.mayCapture(options.user.id)).allowed) {
      await ack({ options: [] });
      return;
    }
    // The payload is untrusted: anything but a string gets no options.
    if (typeof options.value !== 'string') {
      await ack({ options: [] });
      return;
    }
    const query = options.value.slice(0, 100);
    try {
      const devices = await service.searchDevices(query, options.user.id, budget);
      await ack(deviceOptions(devices));
    } catch (error) {
      if (error instanceof SearchLimitedError) {
        await ack(searchLimitedOptions(error.retryInMs));
        return;
      }
      logger.warn({ err: error }, 'device search failed');
      await ack({ options: [] });
    }
  };
}
