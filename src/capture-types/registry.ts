import type { ArtifactReader, CaptureTypeDescriptor, OptionField, OptionFields, OptionsOf } from './descriptor.js';
import { pcap } from './pcap.js';
import { speedTest } from './speed-test.js';
import { warpDiag } from './warp-diag.js';

/**
 * Every capture type the bot starts, in the order the modal lists them. Adding a type: write its descriptor (see
 * `speed-test.ts`), add it here, and teach the simulator how Cloudflare runs it.
 */
export const CAPTURE_TYPE_DESCRIPTORS = [pcap, warpDiag, speedTest] as const;

type Descriptors = (typeof CAPTURE_TYPE_DESCRIPTORS)[number];
export type CaptureType = Descriptors['type'];
export const CAPTURE_TYPES: readonly CaptureType[] = CAPTURE_TYPE_DESCRIPTORS.map((d) => d.type);

/** A type's options, by wire name: `options.pcap.timeLimitMin`, `options['speed-test'].interfaces`. */
export type CaptureOptions = { [D in Descriptors as D['type']]: OptionsOf<D['options']> };
export type OptionsFor<T extends CaptureType> = CaptureOptions[T];

export function isCaptureType(value: unknown): value is CaptureType {
  return typeof value === 'string' && (CAPTURE_TYPES as readonly string[]).includes(value);
}

/** The descriptor of a type this product starts, or undefined for any other string (listed commands keep any type). */
export function descriptorOf(type: string): CaptureTypeDescriptor | undefined {
  return (CAPTURE_TYPE_DESCRIPTORS as readonly CaptureTypeDescriptor[]).find((d) => d.type === type);
}

/** A reader for a command's artifact as it streams, or null when its type reads nothing from it. */
export function artifactReaderFor(type: string, fileName: string, options: CaptureOptions): ArtifactReader | null {
  const descriptor = descriptorOf(type) as CaptureTypeDescriptor<string, OptionFields> | undefined;
  const own = (options as Record<string, unknown>)[type] as OptionsOf<OptionFields>;
  return descriptor?.artifact.reader?.({ fileName, options: own }) ?? null;
}

/** The thread's one-line summary of a type's options, e.g. "WARP diagnostics: test all routes on". */
export function summariseOptions(type: CaptureType, options: CaptureOptions): string {
  const descriptor = descriptorOf(type) as CaptureTypeDescriptor<string, OptionFields>;
  return descriptor.summary(options[type] as OptionsOf<OptionFields>);
}

/** Every type's defaults (a fresh copy each call). */
export function defaultCaptureOptions(): CaptureOptions {
  return readCaptureOptions({});
}

/** Where older versions stored a type's options (before options were keyed by wire name). */
const LEGACY_OPTION_KEYS: Partial<Record<CaptureType, string>> = { 'warp-diag': 'warpDiag' };

/**
 * Options as stored by any version, read leniently: each type's own (or its legacy key's), every value checked
 * against its field, anything missing or out of shape taking the default. A request stored before a type existed
 * gets that type's defaults ("Run again" opens the modal with them).
 */
export function readCaptureOptions(stored: unknown): CaptureOptions {
  const source = (typeof stored === 'object' && stored !== null ? stored : {}) as Record<string, unknown>;
  const options: Record<string, Record<string, unknown>> = {};
  for (const descriptor of CAPTURE_TYPE_DESCRIPTORS) {
    const legacy = LEGACY_OPTION_KEYS[descriptor.type];
    const raw = (source[descriptor.type] ?? (legacy ? source[legacy] : undefined) ?? {}) as Record<string, unknown>;
    const values: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(descriptor.options as Record<string, OptionField>)) {
      const value = raw?.[key];
      values[key] = optionProblem(field, value) === null ? value : defaultOf(field);
    }
    options[descriptor.type] = values;
  }
  return options as CaptureOptions;
}

function defaultOf(field: OptionField): unknown {
  return field.kind === 'choices' ? [...field.default] : field.default;
}

/**
 * What is wrong with a value for a field, or null when it fits: a whole number within the limits, a boolean, or a
 * non-empty list of the field's choices without repeats. Undefined never fits (callers decide what absent means).
 */
export function optionProblem(field: OptionField, value: unknown): string | null {
  switch (field.kind) {
    case 'whole-number':
      return typeof value === 'number' && Number.isInteger(value) && value >= field.min && value <= field.max
        ? null
        : `must be a whole number from ${field.min} to ${field.max}`;
    case 'flag':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'choices': {
      const allowed = field.choices.map((c) => c.value);
      const fits =
        Array.isArray(value) &&
        value.length > 0 &&
        value.every((v) => allowed.includes(v)) &&
        new Set(value).size === value.length;
      return fits
        ? null
        : `must be a non-empty list of ${allowed.map((v) => JSON.stringify(v)).join(', ')} without repeats`;
    }
  }
}

/** Whether a finished command of this type leaves a file to relay (a speed test only when the list names one). */
export function yieldsFile(command: { type: string; filename: string | null }): boolean {
  const artifact = descriptorOf(command.type)?.artifact;
  if (!artifact) return true;
  return artifact.file === 'always' || Boolean(command.filename?.trim());
}

/** Every type's defaults, as the modal first shows them. */
export const DEFAULT_CAPTURE_OPTIONS: Readonly<CaptureOptions> = Object.freeze(defaultCaptureOptions());
