import { SlackApiError } from './api-error.js';
import type { FakeFile } from './file-registry.js';
import { botMethod, type MethodTable, requireString, stringArg } from './method.js';
import type { Services } from './services.js';
import type { JsonObject } from './types.js';

interface FileRef {
  id: string;
  title?: string;
}

function fileRefs(value: unknown): FileRef[] {
  if (!Array.isArray(value) || value.length === 0) throw new SlackApiError('invalid_arguments');
  return value.map((item) => {
    if (typeof item !== 'object' || item === null || typeof (item as FileRef).id !== 'string') {
      throw new SlackApiError('invalid_arguments');
    }
    const { id, title } = item as FileRef;
    return { id, ...(typeof title === 'string' && { title }) };
  });
}

function fileJson(file: FakeFile, { identity }: Services): JsonObject {
  return {
    id: file.id,
    name: file.filename,
    title: file.completed?.title ?? file.filename,
    size: file.upload?.bytes ?? 0,
    user: identity.botUserId,
    mimetype: '', // Slack fills these in after its scan; callers must not depend on them
    filetype: '',
  };
}

/** The streamed upload: getUploadURLExternal → POST the bytes to upload_url → completeUploadExternal. */
export const fileMethods: MethodTable = {
  'files.getUploadURLExternal': botMethod((args, { files, baseUrl }) => {
    const filename = requireString(args, 'filename');
    const length = Number(stringArg(args, 'length'));
    if (!Number.isSafeInteger(length) || length < 1) throw new SlackApiError('invalid_arguments');
    const altText = stringArg(args, 'alt_text') ?? stringArg(args, 'alt_txt');
    const file = files.create(filename, length, altText);
    return { ok: true, upload_url: `${baseUrl()}upload/${file.id}`, file_id: file.id };
  }),

  'files.completeUploadExternal': botMethod((args, services) => {
    const { files, workspace } = services;
    const refs = fileRefs(args.files);
    // `channels` (CSV) is the deprecated spelling; web-api still maps a single channel to it.
    const channelId = stringArg(args, 'channel_id') ?? stringArg(args, 'channels')?.split(',')[0];
    const threadTs = stringArg(args, 'thread_ts');
    const comment = stringArg(args, 'initial_comment');
    if (threadTs !== undefined && channelId === undefined) throw new SlackApiError('invalid_arguments');
    if (channelId !== undefined) workspace.channel(channelId);
    if (channelId !== undefined && threadTs !== undefined) workspace.resolveThread(channelId, threadTs);
    const targets = refs.map((ref) => ({ ref, file: files.get(ref.id) }));
    // All or nothing: one file whose bytes never arrived fails the call before anything is shared.
    for (const { file } of targets) {
      if (!file.completed && file.state !== 'uploaded') throw new SlackApiError('upload_incomplete');
    }
    for (const { ref, file } of targets) {
      // Completing again with a channel shares the file again (seen with Slack: a bot that completes a file twice
      // after a restart posts it twice), so a client must check files.info first.
      const title = file.completed?.title ?? ref.title ?? file.filename;
      file.completed ??= {
        title,
        ...(channelId !== undefined && { channelId }),
        ...(threadTs !== undefined && { threadTs }),
        ...(comment !== undefined && { comment }),
      };
      if (channelId === undefined || !file.upload) continue;
      const shared = workspace.share(
        channelId,
        {
          fileId: file.id,
          name: file.filename,
          title,
          bytes: file.upload.bytes,
          sha256: file.upload.sha256,
          ...(comment !== undefined && { comment }),
          ...(file.upload.content !== undefined && { content: file.upload.content }),
        },
        threadTs,
      );
      file.shares.push({
        channelId: shared.channel,
        ts: shared.ts,
        ...(shared.threadTs !== undefined && { threadTs: shared.threadTs }),
      });
    }
    return { ok: true, files: targets.map(({ file }) => fileJson(file, services)) };
  }),

  /** A bot may delete the files it uploaded; a deleted or unknown file is `file_not_found`, as Slack answers. */
  'files.delete': botMethod((args, services) => {
    const file = services.files.get(requireString(args, 'file', 'file_not_found'));
    file.deleted = true;
    services.workspace.unshare(file.id);
    return { ok: true };
  }),

  /** The file and where it is shared: `shares.public` / `shares.private`, by channel, each share with its thread. */
  'files.info': botMethod((args, services) => {
    const file = services.files.get(requireString(args, 'file', 'file_not_found'));
    const shares: { public: JsonObject; private: JsonObject } = { public: {}, private: {} };
    for (const share of file.shares) {
      const channel = services.workspace.channel(share.channelId);
      const bucket = channel.isPrivate || channel.isIm ? shares.private : shares.public;
      const list = (bucket[share.channelId] as JsonObject[] | undefined) ?? [];
      list.push({
        ts: share.ts,
        ...(share.threadTs !== undefined && { thread_ts: share.threadTs }),
        channel_name: channel.name,
      });
      bucket[share.channelId] = list;
    }
    return { ok: true, file: { ...fileJson(file, services), shares } };
  }),
};
