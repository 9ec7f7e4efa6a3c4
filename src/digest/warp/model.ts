/**
 * What the digest of a WARP diagnostics bundle finds, as facts (src/slack/ui words them). Field names up to
 * `problems` are fixed by the JSON output of `npm run digest -- --json`; every string in here comes from the
 * bundle (cleaned of control characters and cut to a bounded length), never from us, except `problems`.
 */
export interface WarpDigest {
  kind: 'warp-diag';
  file: string;
  /** e.g. `2025.5.893.0`, from version.txt, else the daemon's own `Version:` line in its logs. */
  clientVersion: string | null;
  /** e.g. `windows`, `macOS`, `linux`, from platform.txt, else sysinfo.json, else the daemon logs. */
  platform: string | null;
  /** e.g. `macOS 14.5 (23F79)`, from platform.txt or sysinfo.json, when they say. */
  osVersion: string | null;
  /** Connection status from warp-status.txt, e.g. `Connected`, `Disconnected`, `Connecting`. */
  status: string | null;
  /** Why, when warp-status.txt says (e.g. `Manual`, `CF_DNS_PROXY_FAILURE`). */
  statusReason: string | null;
  /** The `Network:` line of newer clients' status, e.g. `healthy`. */
  network: string | null;
  /** From warp-settings.txt, e.g. `WarpWithDnsOverHttps`. */
  mode: string | null;
  profileId: string | null;
  organization: string | null;
  /** e.g. `MASQUE`, `WireGuard`. */
  tunnelProtocol: string | null;
  alwaysOn: boolean | null;
  switchLocked: boolean | null;
  /** Split tunnel mode and how many hosts/IPs it lists (`mode` null when warp-settings.txt names none). */
  splitTunnel: { mode: 'include' | 'exclude' | null; entries: number };
  /** Local domain fallback: how many entries, and the first of their domains. */
  fallbackDomains: { count: number; domains: string[] };
  /** Every `CF_…` client error code in the daemon logs and the status, most recently seen first. */
  errors: WarpErrorTally[];
  /** Each failed connectivity or DNS check: the file, its section, and the line that says so. */
  checksFailed: string[];
  /** The DNS servers dns-check.txt shows in use. */
  dnsServers: string[];
  /** Whether those include WARP's local DNS proxy (127.0.2.2/3, fd01:db8:1111::2/3); null when none were shown. */
  dnsProxyInUse: boolean | null;
  /** The daemon logs read, newest first (daemon.log, daemon.1.log, …). */
  logs: WarpLogSummary[];
  /** What could not be read, in plain words. */
  problems: string[];
  /** Cloudflare's own analysis of the bundle (its analysis route), when it answered; set by whoever called it. */
  analysis?: WarpAnalysisDetection[];
}

export interface WarpErrorTally {
  /** e.g. `CF_DNS_LOOKUP_FAILURE` (see error-codes.ts; an unknown `CF_…` code is reported too). */
  code: string;
  /** Lines naming it: in the daemon logs, plus warp-status.txt. */
  count: number;
  /** ISO 8601 UTC, the latest log line naming it that had a timestamp. */
  lastAt?: string;
  /** warp-status.txt names it: the client is in that state now. */
  inStatus?: true;
}

export interface WarpLogSummary {
  name: string;
  lines: number;
  /** ISO 8601 UTC of the earliest and latest timestamps on its lines. */
  firstAt: string | null;
  lastAt: string | null;
}

/** One detection of Cloudflare's WARP-diag analyzer, as the DEX client reads it. */
export interface WarpAnalysisDetection {
  name: string;
  /** As Cloudflare wrote it (e.g. `high`), or null. */
  severity: string | null;
  occurrences: number;
  description: string | null;
}
