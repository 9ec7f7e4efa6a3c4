import { Readable } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import type { DexClient } from '../dex/client.js';
import type { Download } from '../dex/types.js';

type Dex = Pick<DexClient, 'download'>;
type ArtifactRef = Parameters<DexClient['download']>[0];

export interface ResumeOptions {
  /** Range requests allowed per stream; one more cut fails it. */
  maxResumes?: number;
  /** Waits backoffMs × n before the n-th resume. */
  backoffMs?: number;
  onResume?: (event: { resume: number; start: number; total: number; reason: string }) => void;
}

/**
 * The artifact's `total` bytes as one continuous stream, even when Cloudflare cuts the download off partway.
 *
 * Why: Slack takes a file as one POST of exactly `total` bytes, so a cut download used to throw the Slack upload
 * away and start both over from byte 0. Instead a cut asks Cloudflare for the rest (`Range`, with `If-Range` on
 * the first response's ETag) and carries on in the same stream. The rest is used only if it starts exactly where
 * the cut was, in the same file (a 206); otherwise the stream fails and the relay's retry starts over.
 * Nothing is held: the generator runs only as its consumer pulls, so backpressure reaches Cloudflare.
 */
export function resumableDownload(
  dex: Dex,
  artifact: ArtifactRef,
  first: Download,
  total: number,
  options: ResumeOptions = {},
): Readable {
  const stopped = new AbortController();
  const stream = Readable.from(chunks(dex, artifact, first, total, stopped.signal, options), { objectMode: false });
  // Readable.from lets go of its generator only once a pending read settles, which a stalled download never
  // does: on destroy, drop the connections to Cloudflare at once (later responses carry the signal).
  const destroy = stream._destroy.bind(stream);
  stream._destroy = (error, callback) => {
    stopped.abort();
    discard(first.stream);
    destroy(error, callback);
  };
  return stream;
}

/** Cloudflare cut the download off and it could not be resumed. */
export class DownloadCutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DownloadCutError';
  }
}

/**
 * Lets go of a response body nobody will read. Destroying an unread undici body emits an 'error'
 * (RequestAbortedError); with no listener that would take the whole process down.
 */
export function discard(stream: Readable): void {
  stream.on('error', () => {});
  stream.destroy();
}

async function* chunks(
  dex: Dex,
  artifact: ArtifactRef,
  first: Download,
  total: number,
  stopped: AbortSignal,
  { maxResumes = 3, backoffMs = 250, onResume }: ResumeOptions,
): AsyncGenerator<Buffer> {
  const etag = first.etag;
  let download = first;
  let received = 0;
  try {
    for (let resume = 1; ; resume++) {
      let cut: unknown;
      try {
        for await (const chunk of download.stream as AsyncIterable<Buffer>) {
          received += chunk.length;
          yield chunk;
        }
      } catch (error) {
        cut = error;
      }
      if (received === total) return;
      // The consumer is gone (its error was thrown in at `yield`): nothing to resume for.
      if (stopped.aborted) throw cut ?? stopped.reason;
      const reason = cut instanceof Error ? cut.message : `it ended early`;
      // Without an ETag, If-Range cannot promise that the rest belongs to the same file.
      if (resume > maxResumes || !etag || received > total) {
        throw new DownloadCutError(`Cloudflare cut the download off at byte ${received} of ${total} (${reason})`, {
          cause: cut,
        });
      }
      onResume?.({ resume, start: received, total, reason });
      await delay(backoffMs * resume, undefined, { signal: stopped });
      download = await dex.download(artifact, { start: received, ifRange: etag, signal: stopped });
      // At byte 0 no Range is sent, and a 200 of the same file is just what is needed.
      if (download.start !== received || download.totalSize !== total || download.etag !== etag) {
        throw new DownloadCutError(`Cloudflare would not resume the download at byte ${received} of ${total}`);
      }
    }
  } finally {
    discard(download.stream);
  }
}
