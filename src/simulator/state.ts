import type { SimClock } from './clock.js';
import type { CommandStore } from './commands.js';
import type { Fleet } from './fleet.js';
import type { Quota } from './quota.js';

export type ArtifactKindName = 'pcap' | 'warp-diag';
export type FilenameStyle = 'url' | 'name' | 'null';

/** Settings tests may change while the simulator runs. */
export interface SimulatorSettings {
  filenameStyle: FilenameStyle;
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
