import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { z } from 'zod';
import { readCaptureSubmission } from '../../ui/capture-modal.js';
import { ineligibleFromOptionText } from '../../ui/device-option.js';
import { DEVICES_BLOCK } from '../../ui/ids.js';
import { authorizeCapture, type ListenerDeps } from '../deps.js';

const metadata = z.object({ channelId: z.string().nullable() }).catch({ channelId: null });

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
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: decision.reason } });
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
    const problems = [checked.problems.devices, checked.problems.quota].filter(Boolean);
    if (problems.length > 0) {
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: problems.join(' ') } });
      return;
    }
    await ack();

    // No conversation picked (a DM with the bot, say): the status goes to the person's DM with the bot.
    const channelId = read.value.channelId ?? metadata.parse(safeJson(view.private_metadata)).channelId ?? body.user.id;
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

function safeJson(text: string | undefined): unknown {
  try {
    return JSON.parse(text ?? 'null');
  } catch {
    return null;
  }
}
