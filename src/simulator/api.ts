import { createHash } from 'node:crypto';
import type { StoredCommand } from './commands.js';
import { validateCreateRequest } from './create-request.js';
import { resultInfo, successEnvelope } from './envelope.js';
import { ErrorCode } from './errors.js';
import type { MalformedItemKind } from './faults.js';
import { deviceTimestamp, lastSeenMs, type SimDevice } from './fleet.js';
import { statusAt } from './lifecycle.js';
import { paginate, parseCommandFilter, parsePagination } from './query.js';
import { ApiFailure, type JsonReply, jsonReply } from './reply.js';
import type { SimulatorState } from './state.js';

type Query = Readonly<Record<string, string>>;

/** Asked once a list request is known to be valid: the malformed items to put in its page, if a fault says so. */
export type MalformedItems = () => readonly MalformedItemKind[] | undefined;

/** POST …/dex/commands: all-or-nothing; every command counts one against the daily quota. */
export function createCommands(state: SimulatorState, rawBody: Buffer): JsonReply {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    throw ApiFailure.single(400, ErrorCode.invalidJson, 'Request body is not valid JSON');
  }
  const validation = validateCreateRequest(body, state.fleet);
  if (!validation.ok) throw new ApiFailure(400, validation.errors);
  const nowMs = state.clock.nowMs();
  const remaining = state.quota.remaining(nowMs);
  const requested = validation.commands.length;
  if (requested > remaining) {
    const resetAt = isoSeconds(state.quota.snapshot(nowMs).resetAtMs);
    throw ApiFailure.single(
      400,
      ErrorCode.quotaExceeded,
      `Remote capture quota exceeded: ${requested} commands requested, ${remaining} remaining until ${resetAt}`,
      '/commands',
    );
  }
  const created = state.commands.create(validation.commands, nowMs, (type) => {
    if (type !== 'speed-test') return state.settings.artifactSizeBytes[type];
    return state.settings.speedTestResults === 'file' ? 0 : null;
  });
  state.quota.consume(created.length, nowMs);
  // The create response always says PENDING_EXEC; an immediate failure only shows up in the list.
  const commands = created.map((command) => ({
    id: command.id,
    args: command.args,
    device_id: command.deviceId,
    registration_id: command.registrationId,
    status: 'PENDING_EXEC',
    type: command.type,
  }));
  return jsonReply(200, successEnvelope({ commands }));
}

/** GET …/dex/commands: newest first, filtered, paginated. */
export function listCommands(
  state: SimulatorState,
  query: Query,
  malformed: MalformedItems = () => undefined,
): JsonReply {
  const pagination = parsePagination(query);
  const filter = parseCommandFilter(query);
  const nowMs = state.clock.nowMs();
  const matches = state.commands.list(filter, nowMs);
  const kinds = malformed() ?? [];
  const page: unknown[] = paginate(matches, pagination).map((command, index) =>
    listedCommand(state, command, nowMs, dateFormFor(kinds, index)),
  );
  page.splice(Math.min(1, page.length), 0, ...bogusItems(kinds, 'list', nowMs));
  return jsonReply(
    200,
    successEnvelope({ commands: page }, resultInfo(pagination.page, pagination.perPage, page.length, matches.length)),
  );
}

/** GET …/dex/commands/devices: camelCase rows, `search` on name or email. */
export function listDevices(
  state: SimulatorState,
  query: Query,
  malformed: MalformedItems = () => undefined,
): JsonReply {
  const pagination = parsePagination(query);
  const nowMs = state.clock.nowMs();
  const matches = state.fleet.search(query.search);
  const kinds = malformed() ?? [];
  const devices: unknown[] = paginate(matches, pagination).map((device, index) =>
    deviceRow(device, nowMs, dateFormFor(kinds, index)),
  );
  devices.splice(Math.min(1, devices.length), 0, ...bogusItems(kinds, 'devices', nowMs));
  return jsonReply(
    200,
    successEnvelope({ devices }, resultInfo(pagination.page, pagination.perPage, devices.length, matches.length)),
  );
}

/** GET …/dex/commands/quota. */
export function getQuota(state: SimulatorState): JsonReply {
  const quota = state.quota.snapshot(state.clock.nowMs());
  return jsonReply(
    200,
    successEnvelope({ quota: quota.total, quota_usage: quota.used, reset_time: isoSeconds(quota.resetAtMs) }),
  );
}

function listedCommand(state: SimulatorState, command: StoredCommand, nowMs: number, dateForm: DateForm) {
  const { status, completedAtMs } = statusAt(command.plan, nowMs);
  return {
    id: command.id,
    completed_date: completedAtMs === null ? null : formatDate(completedAtMs, dateForm),
    created_date: formatDate(command.createdAtMs, dateForm),
    device_id: command.deviceId,
    filename: status === 'SUCCESS' && command.artifactSizeBytes !== null ? filenameFor(state, command) : null,
    registration_id: command.registrationId,
    status,
    type: command.type,
    user_email: command.userEmail,
  };
}

/** What `filename` holds is an open question (reference §7.3); the form lets clients test every answer. */
function filenameFor(state: SimulatorState, command: StoredCommand): string | null {
  // Deliberately Cloudflare's host, not the simulator's: a client must never follow it blindly.
  const account = `https://api.cloudflare.com/client/v4/accounts/${state.accountId}/dex`;
  switch (state.settings.filenameForm) {
    case 'device-url':
      return `${account}/devices/${command.deviceId}/commands/downloads/${command.id}.zip`;
    case 'url':
      return `${account}/commands/${command.id}/downloads/${command.id}.zip`;
    case 'bare':
      return `${command.id}.zip`;
    case 'null':
      return null;
    case 'opaque':
      return `dexart_${createHash('sha256').update(command.id).digest('base64url').slice(0, 32)}`;
    case 'foreign-host':
      return `https://artifacts.example.net/dex/commands/${command.id}/downloads/${command.id}.zip`;
  }
}

function deviceRow(device: SimDevice, nowMs: number, dateForm: DateForm) {
  return {
    deviceId: device.deviceId,
    deviceName: device.deviceName,
    eligible: device.eligible,
    ineligibleReason: device.ineligibleReason,
    personEmail: device.personEmail,
    platform: device.platform,
    registrationId: device.registrationId,
    status: device.status,
    timestamp: dateForm === 'normal' ? deviceTimestamp(device, nowMs) : formatDate(lastSeenMs(device, nowMs), dateForm),
    version: device.version,
  };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** 'normal' is how each endpoint writes dates; the others are the forms the malformed-items fault asks for. */
type DateForm = 'normal' | 'space-date' | 'offset-0000';

/** The date forms asked for, taken in turn by the real items of a page. */
function dateFormFor(kinds: readonly MalformedItemKind[], index: number): DateForm {
  const forms = kinds.filter(
    (kind): kind is 'space-date' | 'offset-0000' => kind === 'space-date' || kind === 'offset-0000',
  );
  return forms[index % forms.length] ?? 'normal';
}

function formatDate(ms: number, form: DateForm): string {
  const iso = new Date(ms).toISOString();
  switch (form) {
    case 'normal':
      return iso;
    case 'space-date':
      return `${iso.slice(0, 10)} ${iso.slice(11, 23)}+00`;
    case 'offset-0000':
      return `${iso.slice(0, 23)}+0000`;
  }
}

/** One bogus item per item-level kind: one without its id, one whose id (and more) has the wrong type. */
function bogusItems(kinds: readonly MalformedItemKind[], endpoint: 'list' | 'devices', nowMs: number): unknown[] {
  const at = new Date(nowMs).toISOString();
  const bogus: Partial<Record<MalformedItemKind, Record<'list' | 'devices', unknown>>> = {
    'no-id': {
      list: { created_date: at, device_id: 'bogus-device', filename: null, status: 'PENDING_EXEC', type: 'pcap' },
      devices: { deviceName: 'SIM-BOGUS-NO-ID', eligible: true, personEmail: 'bogus@example.com', timestamp: at },
    },
    'wrong-type': {
      list: { id: 4242, created_date: nowMs, device_id: 17, filename: null, status: 3, type: 'pcap' },
      devices: { deviceId: 4242, deviceName: 17, eligible: 'yes', personEmail: 'bogus@example.com', timestamp: nowMs },
    },
  };
  return kinds.flatMap((kind) => {
    const item = bogus[kind]?.[endpoint];
    return item === undefined ? [] : [item];
  });
}
