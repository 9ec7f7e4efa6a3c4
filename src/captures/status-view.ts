import type { Store } from '../store/store.js';
import type { CaptureRequest } from './model.js';
import type { StatusView } from './notifier.js';

/** Everything a request's status shows, read from the store: its commands and what became of their files. */
export async function statusViewOf(
  store: Pick<Store, 'commandsForRequest' | 'uploadsForRequest'>,
  request: CaptureRequest,
): Promise<StatusView> {
  const [commands, uploads] = await Promise.all([
    store.commandsForRequest(request.id),
    store.uploadsForRequest(request.id),
  ]);
  return { request, commands, uploads };
}
