import { z } from 'zod';
import { type CaptureOptions, readCaptureOptions } from '../../capture-types/registry.js';
import { conversationIdSchema } from '../slack-ids.js';

/**
 * What the capture modal carries in `private_metadata` between open, changes and submit: the conversation it was
 * opened from, the options of capture types whose fields are folded away (a folded field is not in the view, so
 * Slack does not send it back), and the public conversation whose warning the person has seen. Never trusted for
 * identity (the user id comes from Slack) and read back like any payload: what is not what we wrote is dropped.
 */
export interface ModalMetadata {
  channelId: string | null;
  options: CaptureOptions;
  /** The public conversation the modal last warned about; submit warns first about any other. */
  warnedPublic: string | null;
}

const stored = z.object({
  channelId: conversationIdSchema.nullable().catch(null),
  options: z.unknown().optional(),
  warnedPublic: conversationIdSchema.nullish().catch(null),
});

export function readModalMetadata(text: string | undefined): ModalMetadata {
  let json: unknown = null;
  try {
    json = JSON.parse(text ?? 'null');
  } catch {
    // not JSON: as if there were none
  }
  const parsed = stored.safeParse(json);
  const data = parsed.success ? parsed.data : { channelId: null, options: undefined, warnedPublic: null };
  return {
    channelId: data.channelId,
    // Each value is checked against its field; anything else takes the default.
    options: readCaptureOptions(data.options),
    warnedPublic: data.warnedPublic ?? null,
  };
}

export function modalMetadataText(metadata: ModalMetadata): string {
  return JSON.stringify(metadata);
}
