import { USER_ID } from '../../slack-ids.js';
import { truncate } from '../../ui/format.js';

/** What someone asked for with `/capture …`. The text is untrusted: anything unexpected is `unknown`. */
export type CaptureCommand =
  | { kind: 'open'; target: null | { userId: string } | { email: string } | { deviceName: string } }
  | { kind: 'quota' }
  | { kind: 'status'; requestId: string }
  | {
      kind: 'list';
      filter: { kind: 'all' } | { kind: 'mine' } | { kind: 'user'; userId: string } | { kind: 'device'; query: string };
    }
  | { kind: 'audit'; days: number; export?: true }
  | { kind: 'help' }
  | { kind: 'unknown'; text: string };

// Slack escapes mentions (manifest `should_escape: true`) as <@U123> or <@U123|name>.
const USER_MENTION = new RegExp(`^<@(${USER_ID.source.replace(/^\^|\$$/g, '')})(?:\\|[^>]*)?>$`);
const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
// Slack escapes an email as <mailto:a@b.c|a@b.c>.
const MAILTO = /^<mailto:([^|>]+)(?:\|[^>]*)?>$/;
const REQUEST_ID = /^[A-Za-z0-9]{4,12}$/;
/** A device name as pasted from a ticket: a host name (letters, digits, `.`, `_`, `-`). */
const DEVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const MAX_TEXT = 500;

export function parseCaptureCommand(raw: string): CaptureCommand {
  const text = raw.trim().replace(/\s+/g, ' ');
  if (text.length > MAX_TEXT) return { kind: 'unknown', text: truncate(text, 60) };
  if (text === '') return { kind: 'open', target: null };
  const [word = '', ...rest] = text.split(' ');
  const argument = rest.join(' ');
  switch (word.toLowerCase()) {
    case 'help':
    case '?':
      return rest.length === 0 ? { kind: 'help' } : { kind: 'unknown', text };
    case 'quota':
      return rest.length === 0 ? { kind: 'quota' } : { kind: 'unknown', text };
    case 'status':
      return rest.length === 1 && REQUEST_ID.test(argument)
        ? { kind: 'status', requestId: argument.toUpperCase() }
        : { kind: 'unknown', text };
    case 'list':
      return parseList(argument, text);
    case 'audit': {
      if (rest.length === 0) return { kind: 'audit', days: 7 };
      if (rest[0]?.toLowerCase() === 'export') {
        const wanted = rest.length === 1 ? 7 : Number(rest[1]);
        return rest.length <= 2 && Number.isInteger(wanted) && wanted >= 1 && wanted <= 90
          ? { kind: 'audit', days: wanted, export: true }
          : { kind: 'unknown', text };
      }
      const days = Number(argument);
      return rest.length === 1 && Number.isInteger(days) && days >= 1 && days <= 90
        ? { kind: 'audit', days }
        : { kind: 'unknown', text };
    }
  }
  if (rest.length === 0) {
    const mention = USER_MENTION.exec(word);
    if (mention?.[1]) return { kind: 'open', target: { userId: mention[1] } };
    const email = MAILTO.exec(word)?.[1] ?? word;
    if (EMAIL.test(email)) return { kind: 'open', target: { email: email.toLowerCase() } };
    if (DEVICE_NAME.test(word)) return { kind: 'open', target: { deviceName: word } };
  }
  return { kind: 'unknown', text };
}

function parseList(argument: string, text: string): CaptureCommand {
  if (argument === '') return { kind: 'list', filter: { kind: 'all' } };
  if (argument.toLowerCase() === 'mine') return { kind: 'list', filter: { kind: 'mine' } };
  const mention = USER_MENTION.exec(argument);
  if (mention?.[1]) return { kind: 'list', filter: { kind: 'user', userId: mention[1] } };
  if (/^[^\s<>]{1,100}$/.test(argument)) return { kind: 'list', filter: { kind: 'device', query: argument } };
  return { kind: 'unknown', text };
}
