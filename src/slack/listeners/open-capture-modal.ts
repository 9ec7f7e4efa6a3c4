import { setTimeout as delay } from 'node:timers/promises';
import type { webApi } from '@slack/bolt';
import {
  type CaptureOptions,
  type CaptureType,
  DEFAULT_CAPTURE_OPTIONS,
  type TargetDevice,
} from '../../captures/model.js';
import type { ExactMatches } from '../../captures/service.js';
import {
  captureModal,
  deviceNameNotice,
  leftOutHint,
  lookingUpHint,
  noCapturableDevicesNotice,
  PERSON_LOOKUP_FAILED_NOTICE,
  QUOTA_UNAVAILABLE,
} from '../ui/capture-modal.js';
import { modalMetadataText } from '../ui/modal-metadata.js';
import { formDidNotOpenReply, type Reply } from '../ui/replies.js';
import type { ListenerDeps } from './deps.js';

/** How long Slack keeps a trigger_id usable. */
const TRIGGER_LIFETIME_MS = 3_000;

export interface ModalPrefill {
  channelId: string | null;
  devices?: TargetDevice[];
  /** Whose devices to preselect (`/capture @alice`, `/capture alice@example.com`). */
  person?: { userId: string } | { email: string };
  /** A device name (`/capture LAPTOP-42`): picked when it is the only device of that name. */
  deviceName?: string;
  types?: CaptureType[];
  options?: CaptureOptions;
  /** A note for the top of the form (mrkdwn written by the ui). */
  notice?: string;
}

/** Who is opening the form, and how to tell them privately when it could not open. */
export interface Opener {
  userId: string;
  tellPrivately(reply: Reply): Promise<unknown>;
}

/**
 * Opens the capture modal. When everything it shows is at hand (the quota fetched in the last 30 s, the
 * channel's visibility known, nobody's devices to look up) it opens complete, in one call. Otherwise it opens
 * at once (the trigger expires in 3 s) and fills in what takes longer with `views.update`. When Slack will not
 * open it, the person is told so privately rather than left with nothing.
 */
export async function openCaptureModal(
  client: webApi.WebClient,
  triggerId: string,
  prefill: ModalPrefill,
  deps: ListenerDeps,
  opener: Opener,
): Promise<void> {
  const open = async (view: ReturnType<typeof captureModal>) => {
    const expired = new AbortController();
    try {
      // A trigger lives 3 s: past that no retry can open the form, so the person is told without waiting longer.
      const opened = await Promise.race([
        client.views.open({ trigger_id: triggerId, view }),
        delay(TRIGGER_LIFETIME_MS, null, { ref: false, signal: expired.signal }),
      ]);
      if (!opened) throw new Error('views.open did not succeed within the trigger lifetime');
      return opened;
    } catch (error) {
      deps.logger.warn({ err: error }, 'the capture form could not be opened');
      await opener.tellPrivately(formDidNotOpenReply()).catch(() => {});
      return null;
    } finally {
      expired.abort();
    }
  };
  const { service, channels, logger } = deps;
  // Packet captures can hold a person's traffic: the modal says plainly when files would reach a whole channel.
  const sharedIn = deps.artifactDestination === 'thread' ? prefill.channelId : null;
  const metadata = (publicChannel: boolean) =>
    modalMetadataText({
      channelId: prefill.channelId,
      options: prefill.options ?? DEFAULT_CAPTURE_OPTIONS,
      warnedPublic: publicChannel ? sharedIn : null,
    });
  const base = {
    channelId: prefill.channelId,
    ...(prefill.notice ? { notice: prefill.notice } : {}),
    preselected: prefill.devices ?? [],
    types: prefill.types ?? (['pcap', 'warp-diag'] satisfies CaptureType[]),
    options: prefill.options ?? DEFAULT_CAPTURE_OPTIONS,
    reasonRequired: deps.reasonRequired,
    approvalRequired: deps.access.approvalRequired,
  };

  const cachedQuota = service.cachedQuota();
  const knownPublic = sharedIn ? channels.known(sharedIn) : false;
  if (!prefill.person && !prefill.deviceName && cachedQuota && knownPublic !== undefined) {
    await open(
      captureModal({ ...base, quota: cachedQuota, publicChannel: knownPublic, privateMetadata: metadata(knownPublic) }),
    );
    return;
  }

  const lookingFor = prefill.person ?? (prefill.deviceName ? { deviceName: prefill.deviceName } : null);
  const opened = await open(
    captureModal({
      ...base,
      quota: null,
      loading: true,
      privateMetadata: metadata(false),
      ...(lookingFor ? { devicesHint: lookingUpHint(lookingFor) } : {}),
    }),
  );
  const viewId = opened?.view?.id;
  if (!opened || !viewId) return;

  const [quota, person, named, publicChannel] = await Promise.allSettled([
    service.quota(),
    devicesOfPerson(client, prefill.person, service, opener.userId),
    prefill.deviceName ? service.devicesNamed(prefill.deviceName, opener.userId) : null,
    sharedIn ? channels.isPublic(sharedIn) : false,
  ]);
  const found = person.status === 'fulfilled' ? person.value : null;
  const byName = named.status === 'fulfilled' ? named.value : null;
  const preselected = found?.capturable.length
    ? found.capturable
    : byName?.capturable.length === 1
      ? byName.capturable
      : base.preselected;
  const notices: string[] = prefill.notice ? [prefill.notice] : [];
  if (person.status === 'rejected') notices.push(PERSON_LOOKUP_FAILED_NOTICE);
  else if (found && found.capturable.length === 0) notices.push(noCapturableDevicesNotice(found.person));
  if (prefill.deviceName) {
    if (named.status === 'rejected') notices.push(PERSON_LOOKUP_FAILED_NOTICE);
    else if (byName && byName.capturable.length !== 1)
      notices.push(deviceNameNotice(prefill.deviceName, byName.capturable.length));
  }
  if (quota.status === 'rejected') logger.warn({ err: quota.reason }, 'quota unavailable for the modal');
  const isPublic = publicChannel.status === 'fulfilled' && publicChannel.value;
  const leftOut = leftOutHint([...(found?.leftOut ?? []), ...(byName?.leftOut ?? [])]);

  await client.views.update({
    view_id: viewId,
    hash: opened.view?.hash,
    view: captureModal({
      ...base,
      preselected,
      quota: quota.status === 'fulfilled' ? quota.value : null,
      ...(quota.status === 'rejected' ? { quotaError: QUOTA_UNAVAILABLE } : {}),
      ...(notices.length > 0 ? { notice: notices.join('\n') } : {}),
      ...(leftOut ? { devicesHint: leftOut } : {}),
      publicChannel: isPublic,
      privateMetadata: metadata(isPublic),
    }),
  });
}

async function devicesOfPerson(
  client: webApi.WebClient,
  person: ModalPrefill['person'],
  service: ListenerDeps['service'],
  by: string,
): Promise<({ person: Parameters<typeof noCapturableDevicesNotice>[0] } & ExactMatches) | null> {
  if (!person) return null;
  if ('email' in person) return { person, ...(await service.devicesOf(person.email, by)) };
  const { user } = await client.users.info({ user: person.userId });
  const email = user?.profile?.email ?? null;
  return {
    person: { userId: person.userId, email },
    ...(email ? await service.devicesOf(email, by) : { capturable: [], leftOut: [] }),
  };
}
