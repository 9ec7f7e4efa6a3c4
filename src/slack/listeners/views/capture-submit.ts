import { setTimeout as delay } from 'node:timers/promises';
import type { AllMiddlewareArgs, SlackViewMiddlewareArgs } from '@slack/bolt';
import { asUserId } from '../../slack-ids.js';
import { fieldError, selectionProblemsError } from '../../ui/capture-modal.js';
import { readCaptureSubmission, readModalNow } from '../../ui/capture-modal-read.js';
import { deviceNameFromOptionText } from '../../ui/device-option.js';
import { CHANNEL_BLOCK, DEVICES_BLOCK } from '../../ui/ids.js';
import { readModalMetadata } from '../../ui/modal-metadata.js';
import {
  approversCannotSeeError,
  notRecordedError,
  refusalText,
  storeSlowError,
  unusableIdsError,
} from '../../ui/replies.js';
import { authorized } from '../authorized.js';
import type { ListenerDeps } from '../deps.js';
import { rebuildCaptureModal } from '../rebuild-capture-modal.js';

/** The store normally answers in milliseconds; the acknowledgement must reach Slack within 3 s. */
const STORE_BUDGET_MS = 1_000;

type Args = AllMiddlewareArgs & SlackViewMiddlewareArgs;

interface Prepared {
  read: ReturnType<typeof readCaptureSubmission>;
  /** The selection's check, under way while the person's right is decided. */
  checking: ReturnType<ListenerDeps['service']['check']> | null;
  /** Whether the picked conversation is public, asked beside the check (usually remembered from the modal). */
  publicDestination: Promise<boolean | null>;
  metadata: ReturnType<typeof readModalMetadata>;
}

/**
 * The capture modal's submit: every problem goes back inline on its field. A valid request is stored before the
 * submission is acknowledged (an acknowledged request is never lost, even to a kill right after), the modal closes,
 * and the captures start after the acknowledgement. A Slack retry of the same submission (same view id and hash)
 * starts nothing twice: the service records it once.
 */
export function captureSubmit(deps: ListenerDeps) {
  const { service, channels, logger } = deps;
  const run = async (
    { ack, body, view }: Args,
    { read, checking, publicDestination, metadata }: Prepared,
  ): Promise<void> => {
    if (!read.ok || !checking) {
      await ack({ response_action: 'errors', errors: read.ok ? {} : read.errors });
      return;
    }
    const checked = await checking;
    if (checked.problems.length > 0) {
      const error = selectionProblemsError(checked.problems);
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: error } });
      return;
    }

    // No conversation picked (a DM with the bot, say): where /capture was typed, if the metadata names a real
    // conversation; otherwise the person's DM with the bot. A forged channel id is never posted to.
    const userId = asUserId(body.user.id);
    const channelId = read.value.channelId ?? metadata.channelId ?? userId;
    const destinationPublic = await publicDestination;
    // Only files in the thread reach everyone in a public channel: then the modal must have said so.
    const filesPublic = deps.artifactDestination === 'thread' && destinationPublic === true;
    if (read.value.channelId && filesPublic && metadata.warnedPublic !== read.value.channelId) {
      // The warning did not reach the modal (the change was missed, or the channel just became public): show it
      // now; submitting again posts there.
      await ack({ response_action: 'update', view: await rebuildCaptureModal(readModalNow(view), deps) });
      return;
    }
    if (!channelId || !userId) {
      logger.warn({ user: body.user.id }, 'capture submission without a usable user or conversation id');
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: unusableIdsError() } });
      return;
    }
    if (deps.access.approvalRequired && isDirectMessage(channelId, userId)) {
      // The approvers decide on the status message: it must go where they can see it.
      await ack({ response_action: 'errors', errors: { [CHANNEL_BLOCK]: approversCannotSeeError() } });
      return;
    }
    const { types, options, reason } = read.value;
    const accepting = service.submit(
      // Where no conversation was picked it is the requester's DM: not public.
      {
        devices: checked.devices,
        types,
        options,
        channelId,
        reason,
        destinationPublic: channelId === read.value.channelId ? destinationPublic : false,
      },
      userId,
      `view:${view.id}:${view.hash}`,
    );
    const outcome = await Promise.race([
      accepting.then(
        (accepted) => ({ accepted }),
        (error: unknown) => ({ error }),
      ),
      delay(STORE_BUDGET_MS, { slow: true as const }, { ref: false }),
    ]);
    if ('slow' in outcome) {
      // Slack needs its answer now. The write may still land: then the request starts as usual (a retry of this
      // submission finds it and starts nothing twice), so the person is told exactly that.
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: storeSlowError() } });
      const late = await accepting.catch((error: unknown) => {
        logger.error({ err: error, user: userId }, 'could not record a capture request');
        return null;
      });
      await late?.start();
      return;
    }
    if ('error' in outcome) {
      logger.error({ err: outcome.error, user: userId }, 'could not record a capture request');
      await ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: notRecordedError() } });
      return;
    }
    await ack();
    await outcome.accepted.start();
  };

  return authorized<Args, Prepared>(deps, {
    // The right is checked again here: the modal may have been opened before the rights changed. The selection's
    // checks run beside that decision, each with its own time budget, so the answer reaches Slack well within its 3 s.
    prepare: ({ view }) => {
      const metadata = readModalMetadata(view.private_metadata);
      const read = readCaptureSubmission(
        view.state.values as Record<string, Record<string, unknown>>,
        metadata.options,
        {
          reasonRequired: deps.reasonRequired,
        },
      );
      const checking = read.ok
        ? service.check(
            read.value.devices.map((d) => ({
              deviceId: d.deviceId,
              registrationId: d.registrationId,
              // Only to find a device Cloudflare's list has dropped from the cache; names and reasons shown come
              // from Cloudflare's data.
              hint: deviceNameFromOptionText(d.text),
            })),
            read.value.types,
          )
        : null;
      // Asked whatever ARTIFACT_DESTINATION is: the audit records it; the warning needs it only for thread files.
      // Unknown (Slack did not say) is null: not warned about, and not recorded as private.
      const destination = read.ok ? read.value.channelId : null;
      const publicDestination = destination ? channels.isPublic(destination).catch(() => null) : Promise.resolve(false);
      return { read, checking, publicDestination, metadata };
    },
    needs: ({ body }) => ({ right: 'capture', userId: body.user.id, channelId: null, attempted: 'start' }),
    refuse: ({ ack }, refusal) =>
      ack({ response_action: 'errors', errors: { [DEVICES_BLOCK]: fieldError(refusalText(refusal)) } }),
    run,
  });
}

/** The requester's own DM with the bot (a `D…` id, or their user id standing for it): nobody else sees it. */
function isDirectMessage(channelId: string, userId: string): boolean {
  return channelId === userId || channelId.startsWith('D');
}
