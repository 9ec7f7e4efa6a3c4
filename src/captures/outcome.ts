import { yieldsFile } from '../capture-types/registry.js';
import {
  type ArtifactUpload,
  type CaptureRequest,
  type CaptureType,
  isFinal,
  type TargetDevice,
  type TrackedCommand,
} from './model.js';

/** A request with its commands and uploads (the notifier's StatusView has this shape). */
export interface RequestRecords {
  request: CaptureRequest;
  commands: TrackedCommand[];
  uploads: ArtifactUpload[];
}

/**
 * What a request's commands came to: the rules behind "4 of 4 done", a device's failures and the moment a request
 * is over. Only facts; the Slack side words them.
 */

function sameTarget(command: TrackedCommand, device: TargetDevice): boolean {
  if (command.deviceId !== device.deviceId) return false;
  return command.registrationId === null || device.registrationId === null
    ? true
    : command.registrationId === device.registrationId;
}

/** The capture types a request runs on a device: the request's, or the device's own (a retry of what failed). */
export function typesFor(device: Pick<TargetDevice, 'types'>, requestTypes: readonly CaptureType[]): CaptureType[] {
  return device.types ? requestTypes.filter((type) => device.types?.includes(type)) : [...requestTypes];
}

/** How many captures a set of devices needs (each device × each of its types): the quota it uses. */
export function capturesNeeded(
  devices: ReadonlyArray<Pick<TargetDevice, 'types'>>,
  requestTypes: readonly CaptureType[],
): number {
  return devices.reduce((sum, device) => sum + typesFor(device, requestTypes).length, 0);
}

/** The latest command for a device and type (a request has one; keep the newest if ever more). */
export function commandFor(
  commands: readonly TrackedCommand[],
  device: TargetDevice,
  type: string,
): TrackedCommand | undefined {
  let found: TrackedCommand | undefined;
  for (const command of commands) {
    if (command.type !== type || !sameTarget(command, device)) continue;
    if (!found || command.createdAt.getTime() >= found.createdAt.getTime()) found = command;
  }
  return found;
}

export function uploadOf(uploads: readonly ArtifactUpload[], command: TrackedCommand): ArtifactUpload | undefined {
  return uploads.find((u) => u.commandId === command.id);
}

/** A finished command's file did not reach Slack, or a packet capture's interface failed. */
export function fileTrouble(upload: ArtifactUpload | undefined): 'not-posted' | 'partly' | null {
  if (upload?.step === 'failed') return 'not-posted';
  return upload?.interfaces?.some((i) => !i.ok) ? 'partly' : null;
}

/** A succeeded command's file is still on its way to Slack (its result is not known until it has streamed past). */
export function filePending(command: TrackedCommand, uploads: readonly ArtifactUpload[]): boolean {
  const step = uploadOf(uploads, command)?.step;
  return command.status === 'SUCCESS' && yieldsFile(command) && step !== 'done' && step !== 'failed';
}

/** It succeeded, its file reached Slack (or is on its way), and nothing in it failed. */
export function fullyDone(command: TrackedCommand, uploads: readonly ArtifactUpload[]): boolean {
  return command.status === 'SUCCESS' && fileTrouble(uploadOf(uploads, command)) === null;
}

export interface RequestOutcome {
  /** Captures asked for (each device × its types), or the commands if there are more. */
  wanted: number;
  done: number;
  /** Files that reached Slack. */
  filesPosted: number;
  /** Captures that worked whose file did not reach Slack, or holds a failed interface. */
  fileTroubles: Array<{ device: TargetDevice; command: TrackedCommand; trouble: 'not-posted' | 'partly' }>;
  /** Devices where a capture failed or timed out, with those commands, in the request's order. */
  failedDevices: Array<{ device: TargetDevice; commands: TrackedCommand[] }>;
}

export function outcomeOf({ request, commands, uploads }: RequestRecords): RequestOutcome {
  const wanted = Math.max(commands.length, capturesNeeded(request.devices, request.types));
  const done = commands.filter((c) => fullyDone(c, uploads)).length;
  return {
    wanted,
    done,
    filesPosted: uploads.filter((u) => u.step === 'done').length,
    fileTroubles: commands.flatMap((command) => {
      const trouble = command.status === 'SUCCESS' ? fileTrouble(uploadOf(uploads, command)) : null;
      const device = request.devices.find((d) => d.deviceId === command.deviceId);
      return trouble && device ? [{ device, command, trouble }] : [];
    }),
    failedDevices: request.devices.flatMap((device) => failuresOn(device, request.types, commands)),
  };
}

/** A device's failed and timed-out captures, once every capture on it is final; none while any still runs. */
export function failuresOn(
  device: TargetDevice,
  requestTypes: readonly CaptureType[],
  commands: readonly TrackedCommand[],
): Array<{ device: TargetDevice; commands: TrackedCommand[] }> {
  const own = typesFor(device, requestTypes).map((type) => commandFor(commands, device, type));
  if (own.some((c) => !c || !isFinal(c.status))) return [];
  const failed = own.filter((c): c is TrackedCommand => c?.status === 'FAILED' || c?.status === 'TIMED_OUT');
  return failed.length > 0 ? [{ device, commands: failed }] : [];
}

/**
 * The request is over and the requester should hear how it went: it finished and every file is posted or given up
 * (the verdict can no longer change), or it could not start.
 */
export function isOver({ request, commands, uploads }: RequestRecords): boolean {
  if (request.state === 'failed-to-start') return true;
  return request.state === 'finished' && !commands.some((c) => filePending(c, uploads));
}
