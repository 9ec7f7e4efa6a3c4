import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { type DexSimulatorOptions, SPEED_TEST_RESULTS, startDexSimulator, WARP_DIAG_ANALYSIS } from './index.js';

export const DEFAULT_CLI_PORT = 8787;
export const DEFAULT_CLI_TIME_SCALE = 60;

const USAGE = `Usage: npm run simulator -- [options]
  --port <n>          TCP port on 127.0.0.1 (default ${DEFAULT_CLI_PORT}; 0 = any free port)
  --devices <n>       fleet size in device registrations (default 500)
  --seed <n>          fleet seed (default 1)
  --time-scale <n>    simulated ms per real ms (default ${DEFAULT_CLI_TIME_SCALE}: a 5-minute capture takes 5 s)
  --artifact-mb <n>   size of every pcap and warp-diag zip in MiB (default 0.25 / 0.5; a speed test's
                      results zip is as small as its JSON)
  --speed-test-results <file|dashboard>
                      how finished speed tests come back: a filename and a zip (default file), or
                      filename null and a 404 download, results in the dashboard only
  --warp-diag-analysis <detections|not-found>
                      how the analysis route answers for finished WARP diagnostics: detections
                      counted from the bundle (default), or 404
  --account-id <id>   account id (default a fixed example id)
  --token <token>     API token to accept (default a random one)
  --help              show this help`;

export type CliParse =
  | { kind: 'run'; options: DexSimulatorOptions }
  | { kind: 'help' }
  | { kind: 'error'; message: string };

/** A numeric flag: one message naming the flag and the rule, whatever is wrong with the value. */
const numberFlag = (flag: string, rule: string, accept: (value: number) => boolean) =>
  z.string().transform((raw, context) => {
    const value = raw.trim() === '' ? Number.NaN : Number(raw);
    if (Number.isFinite(value) && accept(value)) return value;
    context.addIssue({ code: 'custom', message: `${flag} must be ${rule}, got ${JSON.stringify(raw)}` });
    return z.NEVER;
  });
const wholeNumber = (min: number, max: number) => (value: number) =>
  Number.isInteger(value) && value >= min && value <= max;

/** Pure: argv (without node and script) to simulator options, help, or one clear error message. */
export function parseCliArgs(argv: readonly string[]): CliParse {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        devices: { type: 'string' },
        seed: { type: 'string' },
        'time-scale': { type: 'string' },
        'artifact-mb': { type: 'string' },
        'speed-test-results': { type: 'string' },
        'warp-diag-analysis': { type: 'string' },
        'account-id': { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: `${(error as Error).message}\n\n${USAGE}` };
  }
  if (values.help) return { kind: 'help' };
  const schema = z.object({
    port: numberFlag('--port', 'an integer from 0 to 65535', wholeNumber(0, 65_535)).default(DEFAULT_CLI_PORT),
    devices: numberFlag('--devices', 'an integer from 0 to 1000000', wholeNumber(0, 1_000_000)).optional(),
    seed: numberFlag('--seed', 'an integer', Number.isSafeInteger).optional(),
    'time-scale': numberFlag('--time-scale', 'a number > 0', (value) => value > 0).default(DEFAULT_CLI_TIME_SCALE),
    'artifact-mb': numberFlag(
      '--artifact-mb',
      'a number > 0 (MiB)',
      (value) => value > 0 && value <= 100_000,
    ).optional(),
    'speed-test-results': z
      .enum(SPEED_TEST_RESULTS, {
        error: (issue) =>
          `--speed-test-results must be ${SPEED_TEST_RESULTS.join(' or ')}, got ${JSON.stringify(issue.input)}`,
      })
      .optional(),
    'warp-diag-analysis': z
      .enum(WARP_DIAG_ANALYSIS, {
        error: (issue) =>
          `--warp-diag-analysis must be ${WARP_DIAG_ANALYSIS.join(' or ')}, got ${JSON.stringify(issue.input)}`,
      })
      .optional(),
    'account-id': z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: '--account-id must be 1-32 letters, digits, - or _' })
      .optional(),
    token: z.string().regex(/^\S+$/, { error: '--token must not be empty or contain spaces' }).optional(),
  });
  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    return { kind: 'error', message: parsed.error.issues.map((issue) => issue.message).join('\n') };
  }
  const flags = parsed.data;
  const options: DexSimulatorOptions = { port: flags.port, timeScale: flags['time-scale'] };
  if (flags.devices !== undefined) options.fleetSize = flags.devices;
  if (flags.seed !== undefined) options.seed = flags.seed;
  if (flags['account-id'] !== undefined) options.accountId = flags['account-id'];
  if (flags.token !== undefined) options.token = flags.token;
  if (flags['speed-test-results'] !== undefined) options.speedTestResults = flags['speed-test-results'];
  if (flags['warp-diag-analysis'] !== undefined) options.warpDiagAnalysis = flags['warp-diag-analysis'];
  if (flags['artifact-mb'] !== undefined) {
    const bytes = Math.round(flags['artifact-mb'] * 1024 * 1024);
    options.artifactSizeBytes = { pcap: bytes, 'warp-diag': bytes };
  }
  return { kind: 'run', options };
}

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** Resolves with the signal name when the process is asked to stop. */
  stopRequested: Promise<string>;
  start?: typeof startDexSimulator;
}

/** Runs the simulator until a stop is requested; resolves with the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseCliArgs(argv);
  if (parsed.kind === 'help') {
    io.out(USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.err(`dex simulator: ${parsed.message}`);
    return 1;
  }
  const start = io.start ?? startDexSimulator;
  let simulator: Awaited<ReturnType<typeof startDexSimulator>>;
  try {
    simulator = await start(parsed.options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'EADDRINUSE' ? `port ${parsed.options.port} is already in use (try --port 0)` : (error as Error).message;
    io.err(`dex simulator: cannot start: ${reason}`);
    return 1;
  }
  io.out(banner(simulator, parsed.options));
  const signal = await io.stopRequested;
  io.out(`\nStopping (${signal})…`);
  await simulator.close();
  return 0;
}

function banner(simulator: Awaited<ReturnType<typeof startDexSimulator>>, options: DexSimulatorOptions): string {
  const quotaUrl = `${simulator.baseUrl}/accounts/${simulator.accountId}/dex/commands/quota`;
  return [
    `DEX API simulator listening on ${simulator.baseUrl}`,
    `  account id  ${simulator.accountId}`,
    `  token       ${simulator.token}`,
    `  fleet       ${simulator.fleet.length} device registrations, time x${options.timeScale ?? 1}`,
    '',
    'Paste into your .env:',
    `CLOUDFLARE_API_URL=${simulator.baseUrl}`,
    `CLOUDFLARE_ACCOUNT_ID=${simulator.accountId}`,
    `CLOUDFLARE_API_TOKEN=${simulator.token}`,
    '',
    `Try: curl -s -H "Authorization: Bearer ${simulator.token}" "${quotaUrl}"`,
    '',
    'Ctrl-C to stop.',
  ].join('\n');
}

function isMain(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(script)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const stopRequested = new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  const code = await runCli(process.argv.slice(2), {
    out: (text) => process.stdout.write(`${text}\n`),
    err: (text) => process.stderr.write(`${text}\n`),
    stopRequested,
  });
  process.exit(code);
}
