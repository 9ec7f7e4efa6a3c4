import { randomUUID } from 'node:crypto';
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import {
  APPROVE_ACTION,
  CAPTURE_AUTHOR_SHORTCUT,
  CAPTURE_MODAL,
  CHANGE_OPTIONS_ACTION,
  CHANNEL_ACTION,
  DENY_ACTION,
  DENY_MODAL,
  DEVICES_ACTION,
  OPEN_FORM_ACTION,
  RETRY_FAILED_ACTION,
  RUN_AGAIN_ACTION,
  START_CAPTURE_SHORTCUT,
  STOP_WATCHING_ACTION,
  TYPES_ACTION,
  WITHDRAW_ACTION,
} from '../ui/ids.js';
import { approveRequest, denyRequest, withdrawRequest } from './actions/approval-buttons.js';
import { modalChanged } from './actions/modal-changed.js';
import { openForm, retryFailed, runAgain, stopWatching } from './actions/status-buttons.js';
import { captureCommand } from './commands/capture.js';
import type { ListenerDeps } from './deps.js';
import { appHomeOpened } from './events/app-home-opened.js';
import { deviceSearch } from './options/device-search.js';
import { REFERENCE_KEY, safely } from './safely.js';
import { captureAuthorShortcut, startCaptureShortcut } from './shortcuts/capture-shortcuts.js';
import { captureSubmit } from './views/capture-submit.js';
import { denySubmit } from './views/deny-submit.js';

export function registerListeners(app: App, deps: ListenerDeps): void {
  const { logger } = deps;
  // Every line logged while handling one Slack interaction carries its request id and who sent it; the id is also
  // the reference a person is given if the interaction fails.
  app.use(async ({ body, context, next }) => {
    const payload = body as { type?: string; command?: string; user?: { id?: string }; user_id?: string };
    const requestId = randomUUID().slice(0, 8);
    context[REFERENCE_KEY] = requestId;
    const fields = {
      requestId,
      interaction: payload.type ?? (payload.command ? 'slash_command' : 'unknown'),
      user: payload.user?.id ?? payload.user_id,
    };
    await logger.withContext(fields, async () => {
      const started = Date.now();
      await next();
      logger.info({ ms: Date.now() - started }, 'slack interaction handled');
    });
  });
  app.command('/capture', safely(captureCommand(deps), logger));
  app.shortcut(START_CAPTURE_SHORTCUT, safely(startCaptureShortcut(deps), logger));
  app.shortcut(CAPTURE_AUTHOR_SHORTCUT, safely(captureAuthorShortcut(deps), logger));
  app.event('app_home_opened', safely(appHomeOpened(deps), logger));
  app.options({ action_id: DEVICES_ACTION }, safely(deviceSearch(deps), logger));
  app.view(CAPTURE_MODAL, safely(captureSubmit(deps), logger));
  app.view(DENY_MODAL, safely(denySubmit(deps), logger));
  for (const actionId of [DEVICES_ACTION, TYPES_ACTION, CHANNEL_ACTION, CHANGE_OPTIONS_ACTION]) {
    app.action(actionId, safely(modalChanged(deps), logger));
  }
  app.action<BlockAction<ButtonAction>>(RUN_AGAIN_ACTION, safely(runAgain(deps), logger));
  app.action<BlockAction<ButtonAction>>(OPEN_FORM_ACTION, safely(openForm(deps), logger));
  app.action<BlockAction<ButtonAction>>(RETRY_FAILED_ACTION, safely(retryFailed(deps), logger));
  app.action<BlockAction<ButtonAction>>(STOP_WATCHING_ACTION, safely(stopWatching(deps), logger));
  app.action<BlockAction<ButtonAction>>(APPROVE_ACTION, safely(approveRequest(deps), logger));
  app.action<BlockAction<ButtonAction>>(DENY_ACTION, safely(denyRequest(deps), logger));
  app.action<BlockAction<ButtonAction>>(WITHDRAW_ACTION, safely(withdrawRequest(deps), logger));
  // Anything that still escapes (a middleware, Bolt itself) is logged; the interaction was answered by then or
  // Bolt answers it.
  app.error(async (error) => {
    logger.error({ err: error }, 'unhandled error in a Slack interaction');
  });
}
