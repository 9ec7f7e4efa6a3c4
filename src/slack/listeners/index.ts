import { randomUUID } from 'node:crypto';
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { CAPTURE_MODAL, DEVICES_ACTION, RUN_AGAIN_ACTION, STOP_WATCHING_ACTION, TYPES_ACTION } from '../ui/ids.js';
import { selectionChanged } from './actions/selection-changed.js';
import { runAgain, stopWatching } from './actions/status-buttons.js';
import { captureCommand } from './commands/capture.js';
import type { ListenerDeps } from './deps.js';
import { deviceSearch } from './options/device-search.js';
import { captureSubmit } from './views/capture-submit.js';

export function registerListeners(app: App, deps: ListenerDeps): void {
  // Every line logged while handling one Slack interaction carries its request id and who sent it.
  app.use(async ({ body, next }) => {
    const payload = body as { type?: string; command?: string; user?: { id?: string }; user_id?: string };
    const fields = {
      requestId: randomUUID().slice(0, 8),
      interaction: payload.type ?? (payload.command ? 'slash_command' : 'unknown'),
      user: payload.user?.id ?? payload.user_id,
    };
    await deps.logger.withContext(fields, async () => {
      const started = Date.now();
      await next();
      deps.logger.info({ ms: Date.now() - started }, 'slack interaction handled');
    });
  });
  app.command('/capture', captureCommand(deps));
  app.options({ action_id: DEVICES_ACTION }, deviceSearch(deps));
  app.view(CAPTURE_MODAL, captureSubmit(deps));
  app.action(DEVICES_ACTION, selectionChanged(deps));
  app.action(TYPES_ACTION, selectionChanged(deps));
  app.action<BlockAction<ButtonAction>>(RUN_AGAIN_ACTION, runAgain(deps));
  app.action<BlockAction<ButtonAction>>(STOP_WATCHING_ACTION, stopWatching(deps));
}
