import type { IncomingHttpHeaders } from 'node:http';
import type { Artifact, ArtifactSpec } from './artifacts.js';
import type { StoredCommand } from './commands.js';
import { ErrorCode } from './errors.js';
import { statusAt } from './lifecycle.js';
import { decideRange } from './ranges.js';
import { ApiFailure, type Reply } from './reply.js';
import type { Route } from './routes.js';
import type { SimulatorState } from './state.js';

export type CreateArtifact = (spec: ArtifactSpec) => Artifact;

/** One artifact per command, built on first download and kept, so ETag and bytes stay the same across resumes. */
export class ArtifactStore {
  private readonly artifacts = new Map<string, Artifact>();

  constructor(private readonly createArtifact: CreateArtifact) {}

  forCommand(command: StoredCommand, sizeBytes: number): Artifact {
    let artifact = this.artifacts.get(command.id);
    if (!artifact) {
      artifact = this.createArtifact(artifactSpec(command, sizeBytes));
      this.artifacts.set(command.id, artifact);
    }
    return artifact;
  }
}

/** What a command's artifact is made from: the command, and the device it ran on. */
export function artifactSpec(command: StoredCommand, sizeBytes: number): ArtifactSpec {
  const base = {
    commandId: command.id,
    deviceName: command.device.deviceName,
    platform: command.device.platform,
    userEmail: command.userEmail,
    createdAt: new Date(command.createdAtMs),
    sizeBytes,
  };
  if (command.type === 'pcap') {
    return {
      ...base,
      kind: 'pcap',
      // The docs' default snap length is 160 bytes.
      snapLength: command.packetSizeBytes ?? 160,
      pcapInterfaces: { default: true, tunnel: command.device.behaviour !== 'partial-pcap' },
    };
  }
  if (command.type === 'speed-test') {
    return { ...base, kind: 'speed-test', speedTestInterfaces: command.speedTestInterfaces ?? ['default', 'tunnel'] };
  }
  return {
    ...base,
    kind: 'warp-diag',
    testAllRoutes: command.testAllRoutes ?? true,
    warpClient: command.device.warpClient,
    warpVersion: command.device.version,
  };
}

/** GET …/commands/{id}/downloads/{id}.zip (and the device-scoped alternate): a streamed zip with range support. */
export function downloadArtifact(
  state: SimulatorState,
  artifacts: ArtifactStore,
  route: Extract<Route, { endpoint: 'download' }>,
  headers: IncomingHttpHeaders,
): Reply {
  const command = state.commands.get(route.commandId);
  if (!command || (route.deviceId !== undefined && route.deviceId !== command.deviceId)) {
    throw ApiFailure.single(404, ErrorCode.commandNotFound, `Command ${route.commandId} not found`);
  }
  if (route.filename !== `${command.id}.zip`) {
    throw ApiFailure.single(
      404,
      ErrorCode.fileNotFound,
      `File ${route.filename} not found; expected ${command.id}.zip`,
    );
  }
  const { status } = statusAt(command.plan, state.clock.nowMs());
  if (command.artifactSizeBytes === null) {
    // Today only a speed test whose results the dashboard shows (speedTestResults 'dashboard').
    throw ApiFailure.single(
      404,
      ErrorCode.artifactNotReady,
      `Command ${command.id} has no downloadable artifact (its ${command.type} results are shown in the dashboard)`,
    );
  }
  if (status !== 'SUCCESS') {
    const why = status === 'FAILED' ? 'the command failed' : `status is ${status}`;
    throw ApiFailure.single(404, ErrorCode.artifactNotReady, `Command has no artifact yet (${why})`);
  }
  const artifact = artifacts.forCommand(command, command.artifactSizeBytes);
  const etag = artifact.etag;
  const range = decideRange({ range: headers.range, ifRange: headerValue(headers['if-range']) }, artifact.size, {
    etag,
    lastModified: artifact.lastModified,
  });
  const common: Record<string, string> = {
    'content-type': 'application/zip',
    'content-disposition': `attachment; filename="${command.id}.zip"`,
    'accept-ranges': 'bytes',
    etag,
    'last-modified': artifact.lastModified.toUTCString(),
  };
  if (range.kind === 'unsatisfiable') {
    throw new ApiFailure(416, [{ code: ErrorCode.rangeNotSatisfiable, message: 'Requested range not satisfiable' }], {
      'content-range': `bytes */${artifact.size}`,
    });
  }
  if (range.kind === 'partial') {
    const { start, end } = range;
    return {
      kind: 'stream',
      status: 206,
      headers: {
        ...common,
        'content-length': String(end - start + 1),
        'content-range': `bytes ${start}-${end}/${artifact.size}`,
      },
      open: () => artifact.open(start, end),
    };
  }
  return {
    kind: 'stream',
    status: 200,
    headers: { ...common, 'content-length': String(artifact.size) },
    open: () => artifact.open(),
  };
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
