import type { AllMiddlewareArgs, AnyMiddlewareArgs } from '@slack/bolt';
import type { Logger } from '../../logger.js';
import { internalErrorReply } from '../ui/replies.js';

type Args = AnyMiddlewareArgs & AllMiddlewareArgs;
type Listener<A> = (args: A) => Promise<void>;

/** The interaction's reference, set by the logging middleware on Bolt's context (shared by reference). */
export const REFERENCE_KEY = 'interactionReference';

/**
 * The global error handler, around every listener: an error anywhere still gets the interaction acknowledged (Slack
 * would otherwise show its own timeout), and the person gets a short private message with a reference that is also
 * in the log line. No raw error text reaches them.
 */
export function safely<A extends Args>(listener: Listener<A>, logger: Logger): Listener<A> {
  return async (args) => {
    let acked = false;
    const ack = async (response?: unknown) => {
      acked = true;
      // biome-ignore lint/suspicious/noExplicitAny: each interaction kind's ack takes its own response type
      return (args as { ack: (response?: any) => Promise<void> }).ack(response);
    };
    try {
      await listener({ ...args, ack } as A);
    } catch (error) {
      const reference = String((args.context as Record<string, unknown>)[REFERENCE_KEY] ?? 'unknown');
      logger.error({ err: error, reference }, 'a Slack interaction failed');
      const reply = internalErrorReply(reference);
      await answer(args, acked, ack, reply.text).catch((answerError: unknown) =>
        logger.warn({ err: answerError, reference }, 'could not tell the person about the failure'),
      );
    }
  };
}

/** Acknowledges if the listener did not, in the form each kind of interaction allows, and says what happened. */
async function answer(args: Args, acked: boolean, ack: (response?: unknown) => Promise<void>, text: string) {
  const body = args.body as {
    type?: string;
    command?: string;
    response_url?: string;
    view?: { blocks?: { type?: string; block_id?: string }[] };
  };
  // An event has nothing to answer: Bolt has acknowledged it, and nobody is waiting on a reply.
  if (body.type === 'event_callback') return;
  const respond = 'respond' in args && typeof args.respond === 'function' ? args.respond : null;
  const ephemeral = { response_type: 'ephemeral' as const, replace_original: false, text };
  if (body.command) {
    if (!acked) return ack({ response_type: 'ephemeral', text });
    return respond?.(ephemeral);
  }
  if (body.type === 'view_submission') {
    if (acked) return;
    // The message goes on the form's first field, so the form stays open with what was typed.
    const field = body.view?.blocks?.find((block) => block.type === 'input')?.block_id;
    return ack(field ? { response_action: 'errors', errors: { [field]: text } } : undefined);
  }
  if (body.type === 'block_suggestion') {
    if (!acked) return ack({ options: [] });
    return;
  }
  if (!acked) await ack();
  if (body.response_url) await respond?.(ephemeral);
}
