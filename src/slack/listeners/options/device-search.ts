import type { AllMiddlewareArgs, SlackOptionsMiddlewareArgs } from '@slack/bolt';
import { SearchLimitedError } from '../../../captures/device-directory.js';
import { deviceOptions, searchFailedOptions, searchLimitedOptions } from '../../ui/device-option.js';
import { authorized } from '../authorized.js';
import type { ListenerDeps } from '../deps.js';

/** Slack waits 3 s for options; leave room for the answer to travel. */
const SEARCH_BUDGET_MS = 2_500;

type Args = AllMiddlewareArgs & SlackOptionsMiddlewareArgs<'block_suggestion'>;

/** The device picker's search (block_suggestion): by device name or email. */
export function deviceSearch(deps: ListenerDeps) {
  const { service, logger, now } = deps;
  const run = async ({ options, ack }: Args, budget: AbortSignal): Promise<void> => {
    // The payload is untrusted: anything but a string gets no options.
    if (typeof options.value !== 'string') {
      await ack({ options: [] });
      return;
    }
    const query = options.value.slice(0, 100);
    try {
      const devices = await service.searchDevices(query, options.user.id, budget);
      await ack(deviceOptions(devices, query, now()));
    } catch (error) {
      if (error instanceof SearchLimitedError) {
        await ack(searchLimitedOptions(error.retryInMs));
        return;
      }
      logger.warn({ err: error }, 'device search failed');
      await ack(searchFailedOptions());
    }
  };

  return authorized<Args, AbortSignal>(deps, {
    // One budget for the whole answer: the access check and the search share it.
    prepare: () => AbortSignal.timeout(SEARCH_BUDGET_MS),
    // The device list names people: only those who may capture can search it. It is asked on every keystroke, so a
    // refusal is not audited (it would drown the trail).
    needs: ({ options }) => ({ right: 'capture', userId: options.user.id, channelId: null, attempted: null }),
    refuse: ({ ack }) => ack({ options: [] }),
    run,
  });
}
