import type { ZipEntrySink } from '../model.js';
import { DaemonLogReader, MAX_LOG_LINE_BYTES } from './daemon-log.js';
import { ErrorTally, MAX_ERROR_CODES } from './error-tally.js';
import { asBuffer, codeEndAt, LineSplitter } from './lines.js';
import type { WarpDigest, WarpLogSummary } from './model.js';
import {
  ConnectivityParser,
  DnsCheckParser,
  type LineParser,
  PlatformParser,
  readSysinfo,
  SettingsParser,
  StatusParser,
  VersionParser,
} from './text-files.js';

/** A line of a small text file is read up to this many bytes. */
const MAX_TEXT_LINE_BYTES = 4096;
/** A small text file is read up to this size (a real warp-settings.txt is a few KB). */
const MAX_TEXT_FILE_BYTES = 4 * 1024 * 1024;
/** sysinfo.json is parsed whole, so only when it is at most this size (real ones are about 2 KB). */
const MAX_SYSINFO_BYTES = 256 * 1024;
/** Problems listed (beyond: one line says how many more). */
const MAX_PROBLEMS = 32;
/** Rotated daemon logs read: daemon.1.log … daemon.9.log (Cloudflare's clients keep three). */
const DAEMON_LOG = /^daemon(?:\.([1-9]))?\.log$/;
/** Folders of the bundle whose files share names with the top level ones (`snapshots/daemon.log`). */
const NESTED_FOLDERS = new Set(['snapshots', 'updater']);

type TextKind = 'status' | 'settings' | 'connectivity' | 'dns-check' | 'version' | 'platform';
const TEXT_FILES: Readonly<Record<string, TextKind>> = {
  'warp-status.txt': 'status',
  'warp-settings.txt': 'settings',
  'connectivity.txt': 'connectivity',
  'dns-check.txt': 'dns-check',
  'version.txt': 'version',
  'platform.txt': 'platform',
};
const REQUIRED_FILES = ['warp-status.txt', 'warp-settings.txt', 'daemon.log'] as const;

/** One entry being read: what it is, and how its read went. */
interface Entry {
  readonly name: string;
  ended: boolean;
  complete: boolean;
  bytes: number;
  /** Set when reading it threw: the rest of it is ignored. */
  failure: string | null;
}

interface LogEntry extends Entry {
  readonly kind: 'log';
  readonly rank: number;
  readonly log: DaemonLogReader;
}

interface TextEntry extends Entry {
  readonly kind: 'text';
  readonly parser: LineParser;
  readonly splitter: LineSplitter;
  tooLarge: boolean;
  binary: boolean;
}

interface SysinfoEntry extends Entry {
  readonly kind: 'sysinfo';
  readonly chunks: Buffer[];
  tooLarge: boolean;
}

type AnyEntry = LogEntry | TextEntry | SysinfoEntry;

/**
 * Reads a WARP diagnostics bundle's files as the zip streams past: give `entry` as the zip tap's ZipEntryHandler,
 * then call `digest()`. Only the files support reads first are opened (warp-status.txt, warp-settings.txt, the
 * daemon logs, connectivity.txt, dns-check.txt, version.txt, platform.txt, sysinfo.json); every other entry passes
 * unread. Nothing in the bundle is trusted: every line, value and table is bounded, nothing thrown escapes.
 */
export class WarpBundleReader {
  private readonly entries = new Map<string, AnyEntry>();
  private readonly duplicates = new Set<string>();
  private readonly errors = new ErrorTally();
  private readonly status = new StatusParser();
  private readonly settings = new SettingsParser();
  private readonly connectivity = new ConnectivityParser('connectivity.txt');
  private readonly dnsCheck = new DnsCheckParser('dns-check.txt');
  private readonly version = new VersionParser();
  private readonly platform = new PlatformParser();

  /** `file`: the bundle's name as the digest reports it. */
  constructor(private readonly file: string) {}

  /** Asked for each zip entry: a sink for the files it reads, null for the rest (and for a second copy of one). */
  entry(name: string): ZipEntrySink | null {
    const base = bundleFileName(name);
    if (base === null) return null;
    const log = DAEMON_LOG.exec(base);
    const textKind = TEXT_FILES[base];
    if (!log && textKind === undefined && base !== 'sysinfo.json') return null;
    if (this.entries.has(base)) {
      this.duplicates.add(base);
      return null;
    }
    const common = { name: base, ended: false, complete: false, bytes: 0, failure: null };
    let entry: AnyEntry;
    if (log) {
      entry = { ...common, kind: 'log', rank: Number(log[1] ?? 0), log: new DaemonLogReader(this.errors) };
    } else if (textKind !== undefined) {
      entry = this.textEntry(common, textKind);
    } else {
      entry = { ...common, kind: 'sysinfo', chunks: [], tooLarge: false };
    }
    this.entries.set(base, entry);
    return {
      write: (chunk) => guard(entry, () => this.write(entry, chunk)),
      end: (complete) => {
        if (entry.ended) return;
        entry.ended = true;
        entry.complete = complete;
        guard(entry, () => this.finish(entry));
      },
    };
  }

  /** The facts read so far; call it once every entry has ended (an entry still open is reported as a problem). */
  /** `zipProblems`: what the zip tap could not read, listed first. */
  digest(zipProblems: string[] = []): WarpDigest {
    const logs = [...this.entries.values()]
      .filter((entry): entry is LogEntry => entry.kind === 'log')
      .sort((a, b) => a.rank - b.rank);
    const sysinfo = this.sysinfo();
    const logVersion = logs.find((entry) => entry.log.version !== null)?.log.version ?? null;
    const logPlatform = logs.find((entry) => entry.log.platform !== null)?.log.platform ?? null;
    const settings = this.settings;
    return {
      kind: 'warp-diag',
      file: this.file,
      clientVersion: this.version.version ?? logVersion,
      platform: this.platform.platform ?? sysinfo.platform ?? logPlatform,
      osVersion: this.platform.os ?? sysinfo.os,
      status: this.status.status,
      statusReason: this.status.reason,
      network: this.status.network,
      mode: settings.mode,
      profileId: settings.profileId,
      organization: settings.organization,
      tunnelProtocol: settings.tunnelProtocol,
      alwaysOn: settings.alwaysOn,
      switchLocked: settings.switchLocked,
      splitTunnel: { mode: settings.splitTunnelMode, entries: settings.splitTunnelEntries },
      fallbackDomains: { count: settings.fallbackCount, domains: [...settings.fallbackDomains] },
      errors: this.errors.list(),
      checksFailed: [...this.connectivity.failed, ...this.dnsCheck.connectivity.failed],
      dnsServers: [...this.dnsCheck.servers],
      dnsProxyInUse: this.dnsCheck.proxyInUse,
      logs: logs.map(logSummary),
      problems: [...zipProblems, ...this.problems(logs)],
    };
  }

  private textEntry(common: Entry, kind: TextKind): TextEntry {
    const parser = this.parserFor(kind);
    const decodeLine = (bytes: Buffer, start: number, end: number) => {
      if (kind === 'status') this.statusCodes(bytes, start, end);
      parser.line(bytes.toString('utf8', start, end));
    };
    const splitter = new LineSplitter(decodeLine, MAX_TEXT_LINE_BYTES);
    return { ...common, kind: 'text', parser, splitter, tooLarge: false, binary: false };
  }

  private parserFor(kind: TextKind): LineParser {
    switch (kind) {
      case 'status':
        return this.status;
      case 'settings':
        return this.settings;
      case 'connectivity':
        return this.connectivity;
      case 'dns-check':
        return this.dnsCheck;
      case 'version':
        return this.version;
      case 'platform':
        return this.platform;
    }
  }

  /** A `CF_…` code in warp-status.txt: the client is in that state now. */
  private statusCodes(bytes: Buffer, start: number, end: number): void {
    const seen: string[] = [];
    for (let at = bytes.indexOf('CF_', start, 'latin1'); at !== -1 && at < end; ) {
      const codeEnd = codeEndAt(bytes, at, start, end);
      if (codeEnd !== -1) {
        const code = bytes.toString('latin1', at, codeEnd);
        if (!seen.includes(code) && seen.length < 8) {
          seen.push(code);
          this.errors.add(code, null, true);
        }
      }
      at = bytes.indexOf('CF_', codeEnd === -1 ? at + 3 : codeEnd, 'latin1');
    }
  }

  private write(entry: AnyEntry, chunk: Uint8Array): void {
    if (entry.ended || entry.failure !== null) return;
    const offset = entry.bytes;
    entry.bytes += chunk.length;
    switch (entry.kind) {
      case 'log':
        entry.log.write(chunk);
        return;
      case 'text': {
        if (entry.binary || entry.tooLarge) return;
        if (offset < 4096 && chunk.subarray(0, 4096 - offset).includes(0)) {
          entry.binary = true;
          return;
        }
        const room = MAX_TEXT_FILE_BYTES - offset;
        if (chunk.length > room) entry.tooLarge = true;
        entry.splitter.write(chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk);
        return;
      }
      case 'sysinfo':
        if (entry.bytes > MAX_SYSINFO_BYTES) {
          entry.tooLarge = true;
          entry.chunks.length = 0;
          return;
        }
        // Copied: the caller may reuse its buffer once write returns.
        entry.chunks.push(Buffer.from(asBuffer(chunk)));
        return;
    }
  }

  private finish(entry: AnyEntry): void {
    if (entry.failure !== null) return;
    if (entry.kind === 'log') entry.log.end();
    else if (entry.kind === 'text' && !entry.binary) {
      entry.splitter.end();
      entry.parser.finish();
    }
  }

  private sysinfo(): { os: string | null; platform: string | null } {
    const entry = this.entries.get('sysinfo.json');
    if (entry?.kind !== 'sysinfo' || !entry.ended || entry.tooLarge || entry.failure !== null) {
      return { os: null, platform: null };
    }
    return readSysinfo(Buffer.concat(entry.chunks).toString('utf8'));
  }

  private problems(logs: readonly LogEntry[]): string[] {
    const problems: string[] = [];
    for (const name of REQUIRED_FILES) {
      if (!this.entries.has(name)) problems.push(`${name}: not in the bundle`);
    }
    for (const entry of this.entries.values()) problems.push(...entryProblems(entry));
    for (const name of this.duplicates) problems.push(`${name}: in the zip more than once; only the first was read`);
    if (this.entries.get('warp-status.txt')?.ended && this.status.status === null) {
      problems.push('warp-status.txt: no connection status in it');
    }
    if (this.entries.get('warp-settings.txt')?.ended && this.settings.mode === null) {
      problems.push('warp-settings.txt: no mode in it');
    }
    if (this.errors.untallied > 0) {
      problems.push(
        `${this.errors.untallied} mentions of further CF_ codes not counted (over ${MAX_ERROR_CODES} undocumented codes)`,
      );
    }
    const moreFailed = this.connectivity.moreFailed + this.dnsCheck.connectivity.moreFailed;
    if (moreFailed > 0) problems.push(`${moreFailed} further failed checks not listed`);
    for (const entry of logs) {
      if (entry.log.lines > 0 && entry.log.firstAtMs === null) problems.push(`${entry.name}: no timestamps in it`);
    }
    if (problems.length <= MAX_PROBLEMS) return problems;
    return [...problems.slice(0, MAX_PROBLEMS - 1), `${problems.length - MAX_PROBLEMS + 1} more problems`];
  }
}

function entryProblems(entry: AnyEntry): string[] {
  const problems: string[] = [];
  const { name } = entry;
  if (entry.failure !== null) problems.push(`${name}: could not be read (${entry.failure})`);
  if (!entry.ended) problems.push(`${name}: still being read when the digest was made`);
  else if (!entry.complete) problems.push(`${name}: cut short (the zip ended or broke inside it)`);
  if (entry.kind === 'log') {
    if (entry.log.binary) problems.push(`${name}: holds NUL bytes (not plain text); read as text anyway`);
    if (entry.log.cutLines > 0) {
      problems.push(
        `${name}: ${entry.log.cutLines} lines longer than ${MAX_LOG_LINE_BYTES / 1024} KB read only that far`,
      );
    }
  } else if (entry.kind === 'text') {
    if (entry.binary) problems.push(`${name}: not text (NUL bytes); not read`);
    if (entry.tooLarge)
      problems.push(`${name}: larger than ${MAX_TEXT_FILE_BYTES / 1024 / 1024} MB; only that much read`);
    if (entry.splitter.cutLines > 0) {
      problems.push(
        `${name}: ${entry.splitter.cutLines} lines longer than ${MAX_TEXT_LINE_BYTES} bytes read only that far`,
      );
    }
  } else if (entry.tooLarge) {
    problems.push(`${name}: larger than ${MAX_SYSINFO_BYTES / 1024} KB; not read`);
  }
  return problems;
}

function logSummary(entry: LogEntry): WarpLogSummary {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    name: entry.name,
    lines: entry.log.lines,
    firstAt: iso(entry.log.firstAtMs),
    lastAt: iso(entry.log.lastAtMs),
  };
}

/**
 * The file name an entry stands for, lower-cased: the bundle's files sit at the top of the zip or in its one
 * folder (`warp-debugging-info-…/daemon.log`); null for anything deeper or in one of the bundle's own folders.
 */
export function bundleFileName(entryName: string): string | null {
  const parts = entryName
    .replace(/\\/g, '/')
    .split('/')
    .filter((part) => part !== '' && part !== '.');
  const base = parts.at(-1);
  if (base === undefined || parts.length > 2) return null;
  if (parts.length === 2 && NESTED_FOLDERS.has((parts[0] ?? '').toLowerCase())) return null;
  return base.toLowerCase();
}

/** Runs one step of reading an entry; whatever it throws is kept as that entry's problem, never passed on. */
function guard(entry: Entry, step: () => void): void {
  if (entry.failure !== null) return;
  try {
    step();
  } catch (error) {
    entry.failure = error instanceof Error ? error.message.slice(0, 200) : 'unknown error';
  }
}
