import type { View } from '@slack/types';
import type { CaptureType } from '../../captures/model.js';
import { captureModal, QUOTA_UNAVAILABLE } from '../ui/capture-modal.js';
import type { ModalNow } from '../ui/capture-modal-read.js';
import { modalMetadataText } from '../ui/modal-metadata.js';
import type { ListenerDeps } from './deps.js';

/**
 * The capture modal again, as the person left it (picked devices, ticked types, typed options, chosen conversation)
 * with what follows from it brought up to date: the quota line and submit button for this selection, the option
 * fields of `edit` opened, and the public-channel warning for the conversation now picked.
 */
export async function rebuildCaptureModal(
  now: ModalNow,
  { service, channels, access, artifactDestination, reasonRequired, logger }: ListenerDeps,
  change: { edit?: CaptureType } = {},
): Promise<View> {
  const sharedIn = artifactDestination === 'thread' ? now.channelId : null;
  const [quota, publicChannel] = await Promise.all([
    service.quota().catch(() => null),
    sharedIn
      ? channels.isPublic(sharedIn).catch((error: unknown) => {
          // Unknown is not public here; submit asks again before anything is posted.
          logger.debug({ err: error }, 'channel visibility unknown');
          return false;
        })
      : false,
  ]);
  const editing =
    change.edit && !now.editing?.includes(change.edit) ? [...(now.editing ?? []), change.edit] : now.editing;
  return captureModal({
    ...now,
    editing: editing ?? [],
    reasonRequired,
    approvalRequired: access.approvalRequired,
    preselected: [],
    quota,
    ...(quota ? {} : { quotaError: QUOTA_UNAVAILABLE }),
    publicChannel,
    privateMetadata: modalMetadataText({
      ...now.metadata,
      options: now.options,
      warnedPublic: publicChannel ? sharedIn : now.metadata.warnedPublic,
    }),
  });
}
