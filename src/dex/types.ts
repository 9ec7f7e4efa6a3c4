import type { Readable } from 'node:stream';
import type { CaptureType, OptionsFor } from '../capture-types/registry.js';

export const KNOWN_STATUSES = ['PENDING_EXEC', 'PENDING_UPLOAD', 'SUCCESS', 'FAILED'] as const;
export type KnownStatus = (typeof KNOWN_STATUSES)[number];
/** The list endpoint types `status` as a plain string: an unknown value is kept as-is, never rejected. */
export type CommandStatus = KnownStatus | (string & {});

export const MAX_DEVICES_PER_CREATE = 10;
export const MAX_COMMANDS_PER_CREATE = 20;
export const MAX_PER_PAGE = 50;

interface CommandTarget {
  deviceId: string;
  userEmail: string;
  /** Required by Cloudflare on multi-user devices to pick the right user session. */
  registrationId?: string;
}

/** One capture to create: a type the product starts (see src/capture-types/) with any of its options. */
export type NewCommand = {
  [T in CaptureType]: CommandTarget & { type: T; args?: Partial<OptionsFor<T>> };
}[CaptureType];

export interface CreatedCommand {
  id: string;
  type: string;
  status: CommandStatus;
  deviceId: string | null;
  registrationId: string | null;
  /** Cloudflare echoes every argument as a string. */
  args: Record<string, string>;
}

export interface Command {
  id: string;
  type: string;
  status: CommandStatus;
  deviceId: string | null;
  registrationId: string | null;
  userEmail: string | null;
  createdAt: Date | null;
  completedAt: Date | null;
  /** The artifact reference as Cloudflare gives it (a URL, a bare name or null); see `artifactFileName`. */
  filename: string | null;
}

export interface CommandFilter {
  from?: Date;
  to?: Date;
  deviceId?: string;
  userEmail?: string;
  type?: string;
  status?: KnownStatus;
}

export interface Device {
  id: string;
  name: string;
  eligible: boolean;
  ineligibleReason: string | null;
  email: string;
  platform: string;
  registrationId: string | null;
  networkStatus: string | null;
  lastSeenAt: Date | null;
  warpVersion: string | null;
}

export interface Page<T> {
  items: T[];
  /** Items in the page that could not be read and were left out of `items` (reported through `onSkippedItem`). */
  skipped: number;
  page: number;
  perPage: number;
  totalPages: number | null;
  totalCount: number | null;
}

export interface PageRequest {
  page?: number;
  perPage?: number;
}

export interface Quota {
  total: number;
  used: number;
  remaining: number;
  resetsAt: Date;
}

export interface Download {
  /** The zip bytes as they arrive; consume or destroy it. */
  stream: Readable;
  fileName: string;
  contentType: string;
  /** Bytes in this response (from `Content-Length`), when the server says. */
  contentLength: number | null;
  /** Total size of the artifact (from `Content-Range` on a partial response, else `Content-Length`). */
  totalSize: number | null;
  /** Offset of the first byte of this response within the artifact. */
  start: number;
  etag: string | null;
  acceptsRanges: boolean;
}

/**
 * One detection of Cloudflare's WARP-diag analyzer (the undocumented analysis route): what it found in a WARP
 * diagnostics bundle, how bad, and how often. Cloudflare's own words, bounded; for people to read only as quoted text.
 */
export interface CommandAnalysisDetection {
  name: string;
  /** As Cloudflare wrote it (e.g. `high`), or null when it gave none. */
  severity: string | null;
  /** Above zero: detections that did not occur are left out. */
  occurrences: number;
  description: string | null;
}

export type DexEndpoint = 'create' | 'list' | 'devices' | 'quota' | 'download' | 'analysis';
