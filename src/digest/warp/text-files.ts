import { isIP } from 'node:net';
import { cleanText } from './lines.js';

/**
 * Line parsers for the bundle's small text files. Each takes decoded lines in order and keeps only bounded facts.
 * Formats are those of real bundles (warp-cli output: `(source)\tKey: value` settings, `Ok(Connected)` or
 * `Status update: …` status) and the forms seen beside them; anything else is ignored, not guessed at.
 */

/** Longest value kept from a file (a mode, a reason, a quoted check line). */
export const MAX_VALUE_CHARS = 200;
/** Fallback domains listed by name (all are counted). */
export const MAX_FALLBACK_DOMAINS = 50;
/** Failed checks listed (beyond: counted in `moreFailed`). */
export const MAX_FAILED_CHECKS = 32;
/** DNS servers listed from dns-check.txt. */
export const MAX_DNS_SERVERS = 16;
/** The JSON form of warp-status.txt (`warp-cli --json status`) is read whole up to this size. */
const MAX_STATUS_JSON_CHARS = 16 * 1024;

export interface LineParser {
  line(text: string): void;
  finish(): void;
}

// ---- warp-status.txt -------------------------------------------------------------------------------------------

/** `Ok(Connected)`, `Ok(Disconnected(Manual))`, `Status update: Connected` + `Reason:` + `Network:`, or JSON. */
export class StatusParser implements LineParser {
  status: string | null = null;
  reason: string | null = null;
  network: string | null = null;
  private json: string | null = null;
  private sawLine = false;

  line(raw: string): void {
    const text = raw.trim();
    if (text === '') return;
    if (!this.sawLine && text.startsWith('{')) this.json = '';
    this.sawLine = true;
    if (this.json !== null) {
      if (this.json.length + text.length <= MAX_STATUS_JSON_CHARS) this.json += text;
      return;
    }
    const wrapped = /^(?:Ok|Err)\((.*)\)$/.exec(text);
    if (wrapped) {
      this.setStatus(wrapped[1] ?? '');
      return;
    }
    const keyed = /^([A-Za-z ]{1,30}):\s*(.*)$/.exec(text);
    const key = keyed?.[1]?.trim().toLowerCase();
    const value = keyed?.[2] ?? '';
    if (key === 'status' || key === 'status update') this.setStatus(value);
    else if (key === 'reason' || key === 'disconnect reason') this.reason = clean(value);
    else if (key === 'network' || key === 'network health') this.network = clean(value);
    else if (this.status === null && keyed === null) this.setStatus(text);
  }

  finish(): void {
    if (this.json === null) return;
    try {
      const parsed: unknown = JSON.parse(this.json);
      if (parsed === null || typeof parsed !== 'object') return;
      const body = parsed as Record<string, unknown>;
      if (typeof body.status === 'string') this.setStatus(body.status);
      const reason = body.reason;
      if (typeof reason === 'string') this.reason = clean(reason);
      else if (reason !== null && typeof reason === 'object') this.reason = clean(Object.keys(reason)[0] ?? '');
    } catch {
      // Not JSON after all: nothing read from it (the reader reports an unreadable status).
    }
  }

  /** `Disconnected(Manual)` → status Disconnected, reason Manual. */
  private setStatus(value: string): void {
    const nested = /^([A-Za-z][A-Za-z ]{0,40})\((.*)\)$/.exec(value.trim());
    if (nested) {
      this.status = clean(nested[1] ?? '');
      // `Disconnected(SettingsChanged { … })`: the reason is its first word.
      const inner = nested[2] ?? '';
      this.reason ??= /^[A-Za-z0-9_]+/.exec(inner)?.[0] ?? (clean(inner) || null);
      return;
    }
    this.status = clean(value);
  }
}

// ---- warp-settings.txt -----------------------------------------------------------------------------------------

type SettingsList = 'split-tunnel' | 'fallback' | 'other' | null;

/** `(network policy)\tMode: WarpWithDnsOverHttps`, with indented lists after `Exclude mode, …:` and `Fallback domains:`. */
export class SettingsParser implements LineParser {
  mode: string | null = null;
  profileId: string | null = null;
  organization: string | null = null;
  tunnelProtocol: string | null = null;
  alwaysOn: boolean | null = null;
  switchLocked: boolean | null = null;
  splitTunnelMode: 'include' | 'exclude' | null = null;
  splitTunnelEntries = 0;
  fallbackCount = 0;
  readonly fallbackDomains: string[] = [];
  private list: SettingsList = null;

  line(raw: string): void {
    if (raw.trim() === '') return;
    if (/^\s/.test(raw)) {
      this.listEntry(raw.trim());
      return;
    }
    const match = /^(?:\(([^)]{0,40})\)\s*)?([^:]{1,60}):\s*(.*)$/.exec(raw.trim());
    if (!match) {
      this.list = null;
      return;
    }
    const key = (match[2] ?? '').trim().toLowerCase().replace(/\s+/g, ' ');
    const value = stripComment(match[3] ?? '');
    this.list = null;
    if (key === 'mode' || key === 'operation mode') {
      this.mode ??= clean(value, 64) || null;
    } else if (key === 'profile id' || key === 'profile_id' || key === 'device profile id') {
      this.profileId ??= clean(value, 64) || null;
    } else if (key === 'organization') {
      this.organization ??= clean(value) || null;
    } else if (key === 'warp tunnel protocol' || key === 'tunnel protocol') {
      this.tunnelProtocol ??= clean(value, 64) || null;
    } else if (key === 'always on') {
      this.alwaysOn ??= readBoolean(value);
    } else if (key === 'switch locked') {
      this.switchLocked ??= readBoolean(value);
    } else if (/^(exclude|include) mode\b/.test(key)) {
      // Both may appear in a malformed file: the first one stands, and only its entries are counted.
      if (this.splitTunnelMode === null) {
        this.splitTunnelMode = key.startsWith('exclude') ? 'exclude' : 'include';
        this.list = 'split-tunnel';
        if (value !== '') this.listEntry(value);
      } else {
        this.list = 'other';
      }
    } else if (key === 'fallback domains') {
      this.list = 'fallback';
      if (value !== '') this.listEntry(value);
    } else if (value === '') {
      this.list = 'other';
    }
  }

  finish(): void {}

  private listEntry(text: string): void {
    if (this.list === 'split-tunnel') this.splitTunnelEntries += listEntries(text).length;
    if (this.list !== 'fallback') return;
    for (const domain of listEntries(text)) {
      this.fallbackCount += 1;
      if (this.fallbackDomains.length < MAX_FALLBACK_DOMAINS) this.fallbackDomains.push(clean(domain, 253));
    }
  }
}

/**
 * An indented list line's entries: one per line as warp-cli writes them (`10.0.0.0/8 (description)`,
 * `example.com\t-> [8.8.8.8]`), or several on a line when separated by commas or spaces without a description.
 * Each entry is its first word.
 */
function listEntries(text: string): string[] {
  if (/[(#]|->|\t/.test(text)) return [text.split(/[\s\t]/)[0] ?? text];
  return text.split(/[\s,]+/).filter((entry) => entry !== '');
}

function stripComment(value: string): string {
  const hash = value.indexOf(' #');
  return (hash === -1 ? value : value.slice(0, hash)).trim();
}

function readBoolean(value: string): boolean | null {
  const word = value.trim().toLowerCase();
  return word === 'true' ? true : word === 'false' ? false : null;
}

// ---- connectivity.txt and dns-check.txt ------------------------------------------------------------------------

// Words a check line uses when it did not work; a trace's `key=value` body lines are read separately.
const FAILURE =
  /\b(?:fail(?:ed|ure|s)?|errors?|timed?[ -]?out|unreachable|refused|could ?n[o']t|unable|no route|nxdomain|servfail|denied|not resolve[ds]?|no response|no answer|unavailable)\b/i;
// An HTTP status other than 2xx where a check expected one (a trace redirected by a captive portal, a 502).
const BAD_HTTP_STATUS = /\bHTTP(?:\/[\d.]+)?\s+[345]\d\d\b|:\s*[45]\d\d\s+[A-Z][a-z]/;
const SCOPE = /^(inside|outside) (?:the )?tunnel:?$/i;

/** Failed checks of connectivity.txt: lines that say so, and a trace inside the tunnel that answered `warp=off`. */
export class ConnectivityParser implements LineParser {
  readonly failed: string[] = [];
  moreFailed = 0;
  private section: string | null = null;
  private scope: string | null = null;
  private trace: { line: string; warpOff: boolean; failed: boolean } | null = null;

  constructor(private readonly fileName: string) {}

  line(raw: string): void {
    const text = raw.trim();
    if (text === '') return;
    const pair = /^([a-z_]{1,20})=(.*)$/.exec(text);
    if (pair && this.trace) {
      if (pair[1] === 'warp' && pair[2]?.trim().toLowerCase() === 'off') this.trace.warpOff = true;
      return;
    }
    const scope = SCOPE.exec(text);
    if (scope) {
      this.endTrace();
      this.scope = `${capitalise(scope[1] ?? '')} Tunnel`;
      return;
    }
    if (/^[A-Z][A-Za-z ]{1,40}:$/.test(text)) {
      this.endTrace();
      this.section = text.slice(0, -1);
      this.scope = null;
      return;
    }
    const failed = FAILURE.test(text) || BAD_HTTP_STATUS.test(text);
    if (/^trace\b/i.test(text)) {
      this.endTrace();
      this.trace = { line: text, warpOff: false, failed };
    }
    if (failed) this.report(text);
  }

  finish(): void {
    this.endTrace();
  }

  private endTrace(): void {
    const trace = this.trace;
    this.trace = null;
    // Inside the tunnel the trace must have gone through WARP; outside, warp=off is what it should say.
    if (trace && !trace.failed && trace.warpOff && this.scope?.toLowerCase().startsWith('inside')) {
      this.report(`${trace.line} warp=off`);
    }
  }

  private report(text: string): void {
    if (this.failed.length >= MAX_FAILED_CHECKS) {
      this.moreFailed += 1;
      return;
    }
    const where = [this.section, this.scope].filter((part) => part !== null).join(', ');
    this.failed.push(clean(`${this.fileName}: ${where === '' ? '' : `${where}: `}${text}`));
  }
}

const LOCAL_DNS_PROXY = new Set(['127.0.2.2', '127.0.2.3', 'fd01:db8:1111::2', 'fd01:db8:1111::3']);
const IPV4 = /\b\d{1,3}(?:\.\d{1,3}){3}\b/g;
const IPV6 = /\[?([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})\]?/g;

/** dns-check.txt: the DNS servers it shows in use (`Resolved warp-svc. to 127.0.2.2:0; …`) and failed lookups. */
export class DnsCheckParser implements LineParser {
  readonly servers: string[] = [];
  readonly connectivity: ConnectivityParser;

  constructor(fileName: string) {
    this.connectivity = new ConnectivityParser(fileName);
  }

  get proxyInUse(): boolean | null {
    return this.servers.length === 0 ? null : this.servers.some((server) => LOCAL_DNS_PROXY.has(server));
  }

  line(raw: string): void {
    const text = raw.trim();
    if (/^(?:resolved\b|dns servers?\b|nameservers?\b|servers?:|system dns\b)/i.test(text) && !FAILURE.test(text)) {
      this.addServers(text);
    }
    this.connectivity.line(raw);
  }

  finish(): void {
    this.connectivity.finish();
  }

  private addServers(text: string): void {
    // What follows " to " in "Resolved NAME to A; B" (the name itself may look like an address).
    const to = text.search(/\bto\b/i);
    const list = to === -1 ? text.slice(text.indexOf(':') + 1) : text.slice(to + 2);
    for (const match of [...list.matchAll(IPV4), ...list.matchAll(IPV6)]) {
      const address = (match[1] ?? match[0]).toLowerCase();
      if (isIP(address) === 0 || this.servers.includes(address)) continue;
      if (this.servers.length < MAX_DNS_SERVERS) this.servers.push(address);
    }
  }
}

// ---- version.txt, platform.txt, sysinfo.json -------------------------------------------------------------------

const CLIENT_VERSION = /\b\d{4}\.\d{1,2}\.\d{1,6}(?:\.\d{1,6})?\b|\b\d{1,3}\.\d{1,3}(?:\.\d{1,6}){0,2}\b/;

/** `Version: 2023.7.159.0` (real bundles), or the first version-looking word. */
export class VersionParser implements LineParser {
  version: string | null = null;
  private fromKey = false;

  line(raw: string): void {
    if (this.fromKey) return;
    const keyed = /^\s*(?:warp\s+)?(?:client\s+)?version\s*:\s*(\S+)/i.exec(raw);
    const found = CLIENT_VERSION.exec(keyed?.[1] ?? raw)?.[0];
    if (found === undefined) return;
    if (keyed) {
      this.version = found;
      this.fromKey = true;
    } else {
      this.version ??= found;
    }
  }

  finish(): void {}
}

/** platform.txt: `macOS` (real bundles) or `Platform: windows` with `OS: …`. */
export class PlatformParser implements LineParser {
  platform: string | null = null;
  os: string | null = null;

  line(raw: string): void {
    const text = raw.trim();
    if (text === '') return;
    const keyed = /^(platform|os|os version):\s*(.*)$/i.exec(text);
    if (keyed) {
      const value = clean(keyed[2] ?? '', 100) || null;
      if (keyed[1]?.toLowerCase() === 'platform') this.platform ??= value;
      else this.os ??= value;
      return;
    }
    if (!/:/.test(text)) this.platform ??= clean(text, 64) || null;
  }

  finish(): void {}
}

/** sysinfo.json's OS fields (`long_os_version`, `distribution_id`), from the JSON read whole up to its cap. */
export function readSysinfo(json: string): { os: string | null; platform: string | null } {
  try {
    const parsed: unknown = JSON.parse(json);
    if (parsed === null || typeof parsed !== 'object') return { os: null, platform: null };
    const body = parsed as Record<string, unknown>;
    const text = (value: unknown, max: number) => (typeof value === 'string' ? clean(value, max) || null : null);
    return {
      os: text(body.long_os_version, 100) ?? text(body.os_version, 100),
      platform: text(body.distribution_id, 64),
    };
  } catch {
    return { os: null, platform: null };
  }
}

function clean(value: string, max = MAX_VALUE_CHARS): string {
  return cleanText(value, max);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}
