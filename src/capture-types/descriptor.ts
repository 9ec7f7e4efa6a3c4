import type { Transform } from 'node:stream';
import type { ArtifactDigest } from '../digest/artifact-digest.js';
import type { InterfaceResult } from '../digest/model.js';

export type { InterfaceResult } from '../digest/model.js';

/**
 * What one capture type is, in one place: its wire name, its names for people, its options (defaults, limits and
 * their kebab-case create `args`), and what its artifact is. Plain data and pure functions: no Slack, no HTTP. The
 * modal, the create body, the status lines, the thread and the tests iterate over the registry (`registry.ts`).
 */
export interface CaptureTypeDescriptor<T extends string = string, F extends OptionFields = OptionFields> {
  /** The create body's `type`, as Cloudflare spells it. */
  type: T;
  /** The modal's checkbox, e.g. "Packet capture (PCAP)". */
  label: string;
  /** One-line messages, e.g. "PCAP". */
  short: string;
  /** Under the checkbox, e.g. "Default interface and WARP tunnel". */
  description: string;
  /** Ids of its modal fields start with `capture_<slug>_` (stable: an open modal outlives a deploy). */
  slug: string;
  /** What its option hints say it is used for, e.g. "packet captures". */
  usedFor: string;
  /** Its options, in the order the modal shows them; the key is the option's name in the request and in `args`. */
  options: F;
  /** The thread's one-line summary of the options picked, e.g. "Packet capture: 5 min, 5 MB max, 160-byte packets". */
  summary(options: OptionsOf<F>): string;
  artifact: ArtifactSpec<OptionsOf<F>>;
}

export type OptionFields = Record<string, OptionField>;
export type OptionField = WholeNumberOption | FlagOption | ChoicesOption;

interface FieldBase {
  /** The create body's key in `args`, kebab-case as the live API takes it. */
  wireKey: string;
  /** Short and stable: the modal field's block id is `capture_<slug>_<id>`. */
  id: string;
  /** The modal field's label. */
  label: string;
}

export interface WholeNumberOption extends FieldBase {
  kind: 'whole-number';
  /** e.g. "minutes", for the hint. */
  unit: string;
  min: number;
  max: number;
  default: number;
}

export interface FlagOption extends FieldBase {
  kind: 'flag';
  /** The checkbox's own text, e.g. "Test all routes". */
  text: string;
  hint: string;
  default: boolean;
}

export interface ChoicesOption<V extends string = string> extends FieldBase {
  kind: 'choices';
  /** At least one must be picked; `args` carries the picked values in this order. */
  choices: ReadonlyArray<{ value: V; label: string }>;
  hint: string;
  default: readonly V[];
}

export type OptionValue<F extends OptionField> = F extends WholeNumberOption
  ? number
  : F extends FlagOption
    ? boolean
    : F extends ChoicesOption<infer V>
      ? V[]
      : never;

export type OptionsOf<F extends OptionFields> = { -readonly [K in keyof F]: OptionValue<F[K]> };

/** What a finished command leaves to download. */
export interface ArtifactSpec<O = unknown> {
  /**
   * `always`: a zip to relay into the thread. `when-listed`: a file only when Cloudflare's list names one; when it
   * names none, the results are in the Cloudflare dashboard (how speed-test results come back is not documented).
   */
  file: 'always' | 'when-listed';
  /** Reads facts out of the zip while it streams to Slack (the bytes pass through unchanged). */
  reader?(context: { fileName: string; options: O }): ArtifactReader;
  /** Cloudflare's analysis route has detections for this type's artifacts (WARP diagnostics). */
  cloudflareAnalysis?: true;
}

/** A pass-through stream that learns something from the bytes on their way (never holding them). */
export interface ArtifactReader {
  stream: Transform;
  /** What it found once the stream has ended: each interface's result, or null when it could not tell. */
  interfaces(): InterfaceResult[] | null;
  /** The digest of what is inside, once the stream has ended (null when there is nothing to say). */
  digest(): ArtifactDigest | null;
}

/** Keeps literal types (the wire name, option keys and choice values) while checking the shape. */
export function defineCaptureType<const T extends string, const F extends OptionFields>(
  descriptor: CaptureTypeDescriptor<T, F>,
): CaptureTypeDescriptor<T, F> {
  return descriptor;
}
