import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { asUserId } from '../../slack-ids.js';
import { fieldError, readCaptureSubmission } from '../../ui/capture-modal.js';
import { ineligibleFromOptionText } from '../../ui/device-option.js';
import { DEVICES_BLOCK } from '../../ui/ids.js';
import { authorizeCapture, type ListenerDeps } from '../deps.js';
import { readModalMetadata } from '../open-capture-modal.js';

/**
 * The capture modal's submit: every problem goes back inline on its field; a valid request closes the modal
 * and the captures are started after the acknowledgement. A Slack retry of the same submission (same view
 * id and hash) starts nothing twice: the service records it once.
 */
export function captureSubmit(deps: ListenerDeps) {
  const { service, logger } = deps;
  return async ({ ack, body, view }: AllMiddlewareArgs & SlackViewMiddlewareArgs): Promise<void> => {
    // Checked again here: the modal may have been opened before the rights changed.
    const decision = await authorizeCapture(deps, { userId: body.user.id, channelId: null }, 'to start captures');
    if (!decision.allowed) {
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: fieldError(decision.reason) } });
      return;
    }
    const read = readCaptureSubmission(view.state.values as Record<string, Record<string, unknown>>);
    if (!read.ok) {
      await ack({ response_action: 'errors', errors: read.errors });
      return;
    }
    const { devices: selected, types, options } = read.value;
    const checked = await service.check(
      selected.map((d) => ({
        deviceId: d.deviceId,
        registrationId: d.registrationId,
        hint: ineligibleFromOptionText(d.text).name.replace(/…$/, ''),
      })),
      types,
    );
    if (checked.problems.devices || checked.problems.quota) {
      const error = fieldError(checked.problems.devices, checked.problems.quota);
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: error } });
      return;
    }
    await ack();

    // No conversation picked (a DM with the bot, say): where /capture was typed, if the metadata names a real
    // conversation; otherwise the person's DM with the bot. A forged channel id is never posted to.
    const userId = asUserId(body.user.id);
    const channelId = read.value.channelId ?? readModalMetadata(view.private_metadata).channelId ?? userId;
    if (!channelId || !userId) {
      logger.warn({ user: body.user.id }, 'capture submission without a usable user or conversation id');
      return;
    }
    try {
      const { started } = await service.submit(
        { devices: checked.devices, types, options, channelId },
        body.user.id,
        `view:${view.id}:${view.hash}`,
      );
      await started;
    } catch (error) {
      logger.error({ err: error, user: body.user.id }, 'capture request failed after submit');
    }
  };
}
