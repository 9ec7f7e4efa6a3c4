import type { webApi } from '@slack/bolt';
import {
  type CaptureOptions,
  type CaptureType,
  DEFAULT_CAPTURE_OPTIONS,
  type TargetDevice,
} from '../../captures/model.js';
import { captureModal } from '../ui/capture-modal.js';
import type { ListenerDeps } from './deps.js';

export interface ModalPrefill {
  channelId: string | null;
  devices?: TargetDevice[];
  /** Whose devices to preselect (`/capture @alice`, `/capture alice@example.com`). */
  person?: { userId: string } | { email: string };
  types?: CaptureType[];
  options?: CaptureOptions;
}

/** What the modal carries between open and submit. Never trusted for identity: the user id comes from Slack. */
export interface ModalMetadata {
  channelId: string | null;
}

/**
 * Opens the capture modal at once (the trigger expires in 3 s), then fills in what takes longer — the quota
 * and a person's devices — with `views.update`.
 */
export async function openCaptureModal(
  client: webApi.WebClient,
  triggerId: string,
  prefill: ModalPrefill,
  deps: ListenerDeps,
): Promise<void> {
  const { service, logger } = deps;
  const base = {
    channelId: prefill.channelId,
    preselected: prefill.devices ?? [],
    types: prefill.types ?? (['pcap', 'warp-diag'] satisfies CaptureType[]),
    options: prefill.options ?? DEFAULT_CAPTURE_OPTIONS,
    privateMetadata: JSON.stringify({ channelId: prefill.channelId } satisfies ModalMetadata),
  };
  const opened = await client.views.open({
    trigger_id: triggerId,
    view: captureModal({ ...base, quota: null, loading: true }),
  });
  const viewId = opened.view?.id;
  if (!viewId) return;

  const [quota, person, publicChannel] = await Promise.allSettled([
    service.quota(),
    devicesOfPerson(client, prefill.person, service),
    deps.artifactDestination === 'thread' && prefill.channelId ? isPublicChannel(client, prefill.channelId) : false,
  ]);
  const found = person.status === 'fulfilled' ? person.value : null;
  const preselected = found?.devices.length ? found.devices : base.preselected;
  let notice: string | undefined;
  if (person.status === 'rejected') notice = 'Could not look up that person’s devices. Search for them below.';
  else if (found && found.devices.length === 0) {
    notice = `${found.label} has no devices that can be captured right now (devices must have connected in the last hour).`;
  }
  if (quota.status === 'rejected') logger.warn({ err: quota.reason }, 'quota unavailable for the modal');
  // Packet captures can hold a person's traffic: say plainly when the files would be visible to a whole channel.
  if (publicChannel.status === 'fulfilled' && publicChannel.value) {
    const warning = `The files will be posted in the status thread in <#${prefill.channelId}>, a public channel: everyone in it can download them. Pick a private channel or a DM under "Post status in" to keep them private.`;
    notice = notice ? `${notice}\n${warning}` : warning;
  }

  await client.views.update({
    view_id: viewId,
    hash: opened.view?.hash,
    view: captureModal({
      ...base,
      preselected,
      quota: quota.status === 'fulfilled' ? quota.value : null,
      ...(quota.status === 'rejected'
        ? { quotaError: 'Quota: Cloudflare did not answer; it is checked again when you submit.' }
        : {}),
      ...(notice ? { notice } : {}),
    }),
  });
}

async function devicesOfPerson(
  client: webApi.WebClient,
  person: ModalPrefill['person'],
  service: ListenerDeps['service'],
): Promise<{ label: string; devices: TargetDevice[] } | null> {
  if (!person) return null;
  let email: string;
  let label: string;
  if ('email' in person) {
    email = person.email;
    label = person.email;
  } else {
    const { user } = await client.users.info({ user: person.userId });
    const found = user?.profile?.email;
    if (!found) return { label: `<@${person.userId}>`, devices: [] };
    email = found;
    label = `<@${person.userId}> (${found})`;
  }
  return { label, devices: await service.devicesOf(email) };
}

async function isPublicChannel(client: webApi.WebClient, channelId: string): Promise<boolean> {
  const { channel } = await client.conversations.info({ channel: channelId });
  return Boolean(channel && !channel.is_private && !channel.is_im && !channel.is_mpim);
}
