/**
 * Masks credentials in any text: log lines, excerpts of response bodies, messages taken from an API.
 * The one place that knows what a credential looks like.
 */

const MASK = '[redacted]';

/** Shorter strings are too likely to occur by chance (and to mask ordinary words). */
const MIN_SECRET_LENGTH = 6;

// A value runs until whitespace, a quote, markup or a list separator: no credential format uses those.
const VALUE = `[^\\s"'<>,;]+`;

const PATTERNS: readonly [RegExp, string][] = [
  // An Authorization header line (any scheme: Bearer, Basic, Digest…), as a proxy might echo it. Everything to the
  // end of the line goes: the scheme's parameters are the credential.
  [/(\bauthorization["']?\s*[:=]\s*)[^\r\n]*/gi, `$1${MASK}`],
  // Cloudflare's legacy key headers (X-Auth-Key, X-Auth-User-Service-Key).
  [new RegExp(`(\\bx-auth-(?:user-service-)?key["']?\\s*[:=]\\s*["']?)${VALUE}`, 'gi'), `$1${MASK}`],
  [new RegExp(`\\bBearer\\s+${VALUE}`, 'gi'), `Bearer ${MASK}`],
  // Cloudflare's scannable credentials: cfk_ (global key), cfut_ (user token), cfat_ (account token), 40+ characters.
  [/cf(?:k|ut|at)_[A-Za-z0-9_-]{40,}/g, MASK],
  // Slack tokens: bot, user, app-level and the rest of the xox family.
  [/xox[abpers]-[A-Za-z0-9-]+/g, MASK],
  [/xapp-[A-Za-z0-9-]+/g, MASK],
];

/** `text` with every given secret, and everything that looks like a credential, replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is masked whole.
  const known = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length);
  for (const secret of known) out = out.split(secret).join(MASK);
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}
