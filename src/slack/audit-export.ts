import { Readable } from 'node:stream';
import type { webApi } from '@slack/bolt';
import { DeliveryError } from '../captures/notifier.js';
import { delivering } from './delivery-errors.js';
import { StreamedUpload } from './upload.js';

/** A file only the requester gets: into their DM with the bot (the audit names people and their devices). */
export async function sendPrivateFile(
  client: webApi.WebClient,
  userId: string,
  file: { name: string; title: string; comment: string; content: string },
): Promise<void> {
  const { channel } = await delivering('conversations.open', () => client.conversations.open({ users: userId }));
  if (!channel?.id) throw new DeliveryError('failed', 'Slack did not open a direct message');
  const bytes = Buffer.from(file.content, 'utf8');
  const upload = new StreamedUpload(client);
  const { fileId, uploadUrl } = await upload.reserve(file.name, bytes.length);
  await upload.send(uploadUrl, Readable.from([bytes]), bytes.length, AbortSignal.timeout(60_000));
  await upload.publish(fileId, { channelId: channel.id, title: file.title, comment: file.comment });
}
