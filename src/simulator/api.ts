import type { StoredCommand } from './commands.js';
import { validateCreateRequest } from './create-request.js';
import { resultInfo, successEnvelope } from './envelope.js';
import { ErrorCode } from './errors.js';
import { deviceTimestamp, type SimDevice } from './fleet.js';
import { statusAt } from './lifecycle.js';
import { paginate, parseCommandFilter, parsePagination } from './query.js';
import { ApiFailure, type JsonReply, jsonReply } from './reply.js';
import type { SimulatorState } from './state.js';

type Query = Readonly<Record<string, string>>;

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
  const created = state.commands.create(validation.commands, nowMs, (type) =>
    type === 'speed-test' ? null : state.settings.artifactSizeBytes[type],
  );
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
export function listCommands(state: SimulatorState, query: Query): JsonReply {
  const pagination = parsePagination(query);
  const filter = parseCommandFilter(query);
  const nowMs = state.clock.nowMs();
  const matches = state.commands.list(filter, nowMs);
  const page = paginate(matches, pagination).map((command) => listedCommand(state, command, nowMs));
  return jsonReply(
    200,
    successEnvelope({ commands: page }, resultInfo(pagination.page, pagination.perPage, page.length, matches.length)),
  );
}

/** GET …/dex/commands/devices: camelCase rows, `search` on name or email. */
export function listDevices(state: SimulatorState, query: Query): JsonReply {
  const pagination = parsePagination(query);
  const nowMs = state.clock.nowMs();
  const matches = state.fleet.search(query.search);
  const devices = paginate(matches, pagination).map((device) => deviceRow(device, nowMs));
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

function listedCommand(state: SimulatorState, command: StoredCommand, nowMs: number) {
  const { status, completedAtMs } = statusAt(command.plan, nowMs);
  return {
    id: command.id,
    completed_date: completedAtMs === null ? null : new Date(completedAtMs).toISOString(),
    created_date: new Date(command.createdAtMs).toISOString(),
    device_id: command.deviceId,
    filename: status === 'SUCCESS' && command.artifactSizeBytes !== null ? filenameFor(state, command) : null,
    registration_id: command.registrationId,
    status,
    type: command.type,
    user_email: command.userEmail,
  };
}

/** What `filename` holds is an open question (reference §7.3); the style lets clients test every answer. */
function filenameFor(state: SimulatorState, command: StoredCommand): string | null {
  switch (state.settings.filenameStyle) {
    case 'url':
      // Deliberately Cloudflare's host, not the simulator's: a client must never follow it blindly.
      return `https://api.cloudflare.com/client/v4/accounts/${state.accountId}/dex/devices/${command.deviceId}/commands/downloads/${command.id}.zip`;
    case 'name':
      return `${command.id}.zip`;
    case 'null':
      return null;
  }
}

function deviceRow(device: SimDevice, nowMs: number) {
  return {
    deviceId: device.deviceId,
    deviceName: device.deviceName,
    eligible: device.eligible,
    ineligibleReason: device.ineligibleReason,
    personEmail: device.personEmail,
    platform: device.platform,
    registrationId: device.registrationId,
    status: device.status,
    timestamp: deviceTimestamp(device, nowMs),
    version: device.version,
  };
}

function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
