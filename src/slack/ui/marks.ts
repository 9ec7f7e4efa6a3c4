import type { StatusView } from '../../captures/notifier.js';
import { isOver, outcomeOf } from '../../captures/outcome.js';

/** A state as people see it: a glyph that differs at a glance from every other, always with its word. */
export interface Mark {
  glyph: string;
  word: string;
}

/** Every state a capture or a request can be shown in: one table, used by the status, the thread and the lists. */
export const MARKS = {
  awaiting: { glyph: '🙋', word: 'awaiting approval' },
  denied: { glyph: '🚫', word: 'denied' },
  starting: { glyph: '⏳', word: 'starting' },
  running: { glyph: '⏳', word: 'running' },
  uploading: { glyph: '📤', word: 'uploading' },
  done: { glyph: '✅', word: 'done' },
  partly: { glyph: '⚠️', word: 'partly done' },
  notPosted: { glyph: '⚠️', word: 'file not posted' },
  failed: { glyph: '❌', word: 'failed' },
  timedOut: { glyph: '⏰', word: 'timed out' },
  notStarted: { glyph: '⚪', word: 'not started' },
  notWatched: { glyph: '⏸️', word: 'not watched' },
  unknown: { glyph: '❔', word: 'unknown' },
} as const satisfies Record<string, Mark>;

/** A whole request's mark: "⏳ Running", "✅ Finished", "⚠️ Finished with problems", "❌ Could not start", … */
export function markOfRequest(view: StatusView): Mark {
  switch (view.request.state) {
    case 'awaiting-approval':
      return { glyph: MARKS.awaiting.glyph, word: 'Waiting for approval' };
    case 'starting':
      return { glyph: MARKS.starting.glyph, word: 'Starting' };
    case 'running':
      return { glyph: MARKS.running.glyph, word: 'Running' };
    case 'failed-to-start': {
      const reason = view.request.startError?.reason;
      if (reason === 'denied') return { glyph: MARKS.denied.glyph, word: 'Denied' };
      if (reason === 'approval-expired') return { glyph: MARKS.notStarted.glyph, word: 'Not approved in time' };
      if (reason === 'withdrawn') return { glyph: MARKS.notStarted.glyph, word: 'Withdrawn' };
      return { glyph: MARKS.failed.glyph, word: 'Could not start' };
    }
    case 'stopped':
      return { glyph: MARKS.notWatched.glyph, word: 'Stopped watching' };
    case 'finished': {
      if (!isOver(view)) return { glyph: MARKS.uploading.glyph, word: 'Finished' };
      const { done, wanted } = outcomeOf(view);
      return done === wanted
        ? { glyph: MARKS.done.glyph, word: 'Finished' }
        : { glyph: MARKS.partly.glyph, word: 'Finished with problems' };
    }
  }
}
