import { artifactSpec } from './downloads.js';
import { successEnvelope } from './envelope.js';
import { ErrorCode } from './errors.js';
import { statusAt } from './lifecycle.js';
import { ApiFailure, type JsonReply, jsonReply } from './reply.js';
import type { Route } from './routes.js';
import type { SimulatorState } from './state.js';
import { warpDiagAnalysis } from './warp-diag.js';

/**
 * GET …/dex/commands/{id}/analysis: the WARP-diag analyzer's detections for a finished WARP diagnostics command,
 * counted from the same plan its bundle is written from, so the two always agree. Cloudflare does not publish the
 * shape (reference §16.1); this one (`result.detections[]` with name, severity, occurrences, description) is the
 * simulator's reading of what Cloudflare's MCP server relies on. 404 for anything else, or when the knob says so.
 */
export function commandAnalysis(state: SimulatorState, route: Extract<Route, { endpoint: 'analysis' }>): JsonReply {
  const command = state.commands.get(route.commandId);
  if (!command) throw ApiFailure.single(404, ErrorCode.commandNotFound, `Command ${route.commandId} not found`);
  const notAnalysed = (why: string) =>
    ApiFailure.single(404, ErrorCode.analysisNotFound, `No analysis for command ${command.id}: ${why}`);
  if (command.type !== 'warp-diag') throw notAnalysed(`it is a ${command.type} command`);
  if (state.settings.warpDiagAnalysis === 'not-found') throw notAnalysed('none was made');
  const { status } = statusAt(command.plan, state.clock.nowMs());
  if (status !== 'SUCCESS' || command.artifactSizeBytes === null) throw notAnalysed(`status is ${status}`);
  const detections = warpDiagAnalysis(artifactSpec(command, command.artifactSizeBytes));
  return jsonReply(
    200,
    successEnvelope({
      command_id: command.id,
      device_id: command.deviceId,
      detections: detections.map((detection) => ({
        name: detection.name,
        error_code: detection.code,
        severity: detection.severity,
        occurrences: detection.occurrences,
        description: detection.description,
      })),
    }),
  );
}
