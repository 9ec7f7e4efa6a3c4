import type { SimClock } from './clock.js';
import type { CommandStore } from './commands.js';
import type { Fleet } from './fleet.js';
import type { Quota } from './quota.js';

export type ArtifactKindName = 'pcap' | 'warp-diag';
/**
 * What the list gives in `filename` for a finished command; its meaning is undocumented (reference §7.3, §16), so
 * clients are tested against each form a real account might send:
 * - 'device-url' (the default): `https://api.cloudflare.com/client/v4/accounts/{a}/dex/devices/{device}/commands/downloads/{id}.zip`,
 *   the route Cloudflare's own client builds;
 * - 'url': `https://api.cloudflare.com/client/v4/accounts/{a}/dex/commands/{id}/downloads/{id}.zip`;
 * - 'bare': `{id}.zip`;
 * - 'null': null;
 * - 'opaque': a token that is neither a name nor a URL;
 * - 'foreign-host': a URL on a host other than Cloudflare's API, which a client must refuse.
 * Whatever the form, the artifact is served at …/dex/commands/{id}/downloads/{id}.zip (and the device route).
 */
export const FILENAME_FORMS = ['device-url', 'url', 'bare', 'null', 'opaque', 'foreign-host'] as const;
export type FilenameForm = (typeof FILENAME_FORMS)[number];

/**
 * How a finished speed test's results come back; undocumented (reference §15.6, §16: the dashboard shows them, and
 * whether the list gives a downloadable `filename` is not said), so clients are tested against both answers:
 * - 'file' (the default): like the other types, `filename` in the filename form and a zip at the download route,
 *   holding `speed-test-results.json`;
 * - 'dashboard': SUCCESS with `filename: null`, and the download answers 404.
 * Fixed for each command when it is created, so a command's artifact never appears or vanishes under a client.
 */
export const SPEED_TEST_RESULTS = ['file', 'dashboard'] as const;
export type SpeedTestResults = (typeof SPEED_TEST_RESULTS)[number];

/**
 * How the analysis route (`GET …/dex/commands/{id}/analysis`, undocumented, reference §11 and §16.1) answers for a
 * finished WARP diagnostics command:
 * - 'detections' (the default): every detection the simulated analyzer knows, each with a severity and its number
 *   of occurrences in that command's bundle (zero for what it did not find);
 * - 'not-found': 404, as for an account or a command the analyzer does not cover.
 * Read at each request, so a test can switch it between two calls.
 */
export const WARP_DIAG_ANALYSIS = ['detections', 'not-found'] as const;
export type WarpDiagAnalysis = (typeof WARP_DIAG_ANALYSIS)[number];

/** Settings tests may change while the simulator runs. */
export interface SimulatorSettings {
  filenameForm: FilenameForm;
  speedTestResults: SpeedTestResults;
  warpDiagAnalysis: WarpDiagAnalysis;
  artifactSizeBytes: Record<ArtifactKindName, number>;
}

/** Everything one simulator instance knows; nothing of it is shared between instances. */
export interface SimulatorState {
  readonly accountId: string;
  readonly clock: SimClock;
  readonly fleet: Fleet;
  readonly commands: CommandStore;
  readonly quota: Quota;
  readonly settings: SimulatorSettings;
}
