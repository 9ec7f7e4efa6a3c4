import type { CaptureRequest } from './model.js';
import type { StatusView } from './notifier.js';
import type { CommandStore, UploadStore } from './store.js';

/** What a status is read from. */
export type StatusSource = Pick<CommandStore, 'commandsForRequest'> & Pick<UploadStore, 'uploadsForRequest'>;

/** Everything a request's status shows, read from the store: its commands and what became of their files. */
export async function statusViewOf(store: StatusSource, request: CaptureRequest): Promise<StatusView> {
  const [commands, uploads] = await Promise.all([
    store.commandsForRequest(request.id),
    store.uploadsForRequest(request.id),
  ]);
  return { request, commands, uploads };
}
