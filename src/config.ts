import { z } from 'zod';
import type { AccessRules } from './captures/access.js';

export interface Config {
  slack: {
    botToken: string;
    signingSecret: string | null;
    appToken: string | null;
    apiUrl: string;
    mode: 'socket' | 'http';
  };
  port: number;
  cloudflare: { apiToken: string; accountId: string; apiUrl: string };
  databaseUrl: string;
  pollIntervalSeconds: number;
  access: AccessRules;
  /** Where finished zips go: the status thread (default), the requester's DM with the bot, or nowhere (digests only). */
  artifactDestination: ArtifactDestination;
  /** How long an uploaded file stays in Slack before the bot deletes it; null: kept (`off`). */
  artifactRetentionMs: number | null;
  /** CAPTURE_REASON_REQUIRED: every capture needs a reason or ticket (default true). */
  reasonRequired: boolean;
  /** NOTIFY_DEVICE_OWNER: the device's owner gets a DM when captures start on it (default true). */
  notifyDeviceOwner: boolean;
}

/** ARTIFACT_DESTINATION: `digest` posts only what is inside each file, never the file. */
export type ArtifactDestination = 'thread' | 'dm' | 'digest';

/** `7d`, `12h`, `30m`, `45s` → milliseconds; `off` → null; anything else → undefined. */
export function parseRetention(text: string): number | null | undefined {
  if (text.trim().toLowerCase() === 'off') return null;
  const match = /^(\d{1,6})(d|h|m|s)$/.exec(text.trim());
  if (!match) return undefined;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000 }[match[2] as 'd' | 'h' | 'm' | 's'];
  const ms = Number(match[1]) * unit;
  return ms > 0 ? ms : undefined;
}

/** Start-up refused: `problems` names every missing or invalid variable, never a value. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Configuration is incomplete or invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());

const httpUrl = (name: string) =>
  z.url({ protocol: /^https?$/, error: `${name} must be an http(s) URL` }).transform((url) => url.replace(/\/+$/, ''));

/** A comma- or space-separated list, each item checked. */
const list = (name: string, item: RegExp, what: string) =>
  optional(z.string())
    .transform((v) => (v ?? '').split(/[\s,]+/).filter(Boolean))
    .refine((items) => items.every((i) => item.test(i)), {
      error: `${name} must be a comma-separated list of ${what}`,
    });

const environment = z.object({
  SLACK_BOT_TOKEN: z
    .string({ error: 'SLACK_BOT_TOKEN is required (the xoxb-… bot token)' })
    .regex(/^xoxb-/, { error: 'SLACK_BOT_TOKEN must start with xoxb-' }),
  SLACK_SIGNING_SECRET: optional(z.string().regex(/^[0-9a-f]{16,}$/i, { error: 'SLACK_SIGNING_SECRET must be hex' })),
  SLACK_APP_TOKEN: optional(z.string().regex(/^xapp-/, { error: 'SLACK_APP_TOKEN must start with xapp-' })),
  SLACK_API_URL: optional(httpUrl('SLACK_API_URL')),
  PORT: optional(z.string().regex(/^\d+$/, { error: 'PORT must be a port number' }))
    .transform((v) => (v === undefined ? 3000 : Number(v)))
    .refine((v) => v >= 0 && v <= 65_535, { error: 'PORT must be from 0 to 65535' }),
  CLOUDFLARE_API_TOKEN: z
    .string({ error: 'CLOUDFLARE_API_TOKEN is required (an API token with "Cloudflare DEX Write")' })
    .min(1, { error: 'CLOUDFLARE_API_TOKEN is required (an API token with "Cloudflare DEX Write")' }),
  CLOUDFLARE_ACCOUNT_ID: z
    .string({ error: 'CLOUDFLARE_ACCOUNT_ID is required (the Zero Trust account id)' })
    .regex(/^[A-Za-z0-9_-]{1,32}$/, { error: 'CLOUDFLARE_ACCOUNT_ID must be the 32-character account id' }),
  CLOUDFLARE_API_URL: optional(httpUrl('CLOUDFLARE_API_URL')),
  DATABASE_URL: optional(
    z.string().regex(/^(sqlite:|postgres(ql)?:\/\/)/, { error: 'DATABASE_URL must be sqlite:<path> or postgres://…' }),
  ),
  POLL_INTERVAL_SECONDS: optional(
    z.string().regex(/^\d+(\.\d+)?$/, { error: 'POLL_INTERVAL_SECONDS must be a number' }),
  )
    .transform((v) => (v === undefined ? 15 : Number(v)))
    .refine((v) => v >= 1 && v <= 300, { error: 'POLL_INTERVAL_SECONDS must be from 1 to 300' }),
  CAPTURE_ALLOWED_USERGROUPS: list('CAPTURE_ALLOWED_USERGROUPS', /^@?[A-Za-z0-9._-]+$/, 'user group handles or ids'),
  CAPTURE_ALLOWED_USERS: list('CAPTURE_ALLOWED_USERS', /^[UW][A-Z0-9_]+$/, 'Slack user ids (U…)'),
  ARTIFACT_DESTINATION: optional(
    z.enum(['thread', 'dm', 'digest'], { error: 'ARTIFACT_DESTINATION must be thread, dm or digest' }),
  ),
  ARTIFACT_RETENTION: optional(z.string())
    .transform((value) => (value === undefined ? 7 * 86_400_000 : parseRetention(value)))
    .refine((value) => value !== undefined, {
      error: 'ARTIFACT_RETENTION must be a duration like 7d, 12h, 30m or 45s, or off',
    }),
  CAPTURE_REASON_REQUIRED: optional(
    z.enum(['true', 'false'], { error: 'CAPTURE_REASON_REQUIRED must be true or false' }),
  ),
  NOTIFY_DEVICE_OWNER: optional(z.enum(['true', 'false'], { error: 'NOTIFY_DEVICE_OWNER must be true or false' })),
  CAPTURE_APPROVERS: list('CAPTURE_APPROVERS', /^@?[A-Za-z0-9._-]+$/, 'user group handles or ids'),
  CAPTURE_READERS_RESTRICTED: optional(
    z.enum(['true', 'false'], { error: 'CAPTURE_READERS_RESTRICTED must be true or false' }),
  ),
});

/** Reads and checks the environment once. Throws ConfigError naming every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = environment.safeParse(env);
  const problems = parsed.success ? [] : parsed.error.issues.map((issue) => issue.message);
  const values = parsed.success ? parsed.data : null;
  if (!env.SLACK_APP_TOKEN?.trim() && !env.SLACK_SIGNING_SECRET?.trim()) {
    problems.push('SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  }
  if (!values || problems.length > 0) throw new ConfigError(problems);

  return {
    slack: {
      botToken: values.SLACK_BOT_TOKEN,
      signingSecret: values.SLACK_SIGNING_SECRET ?? null,
      appToken: values.SLACK_APP_TOKEN ?? null,
      apiUrl: `${values.SLACK_API_URL ?? 'https://slack.com/api'}/`,
      mode: values.SLACK_APP_TOKEN ? 'socket' : 'http',
    },
    port: values.PORT,
    cloudflare: {
      apiToken: values.CLOUDFLARE_API_TOKEN,
      accountId: values.CLOUDFLARE_ACCOUNT_ID,
      apiUrl: values.CLOUDFLARE_API_URL ?? 'https://api.cloudflare.com/client/v4',
    },
    databaseUrl: values.DATABASE_URL ?? 'sqlite:./data/dex-capture-bot.db',
    pollIntervalSeconds: values.POLL_INTERVAL_SECONDS,
    access: {
      allowedGroups: values.CAPTURE_ALLOWED_USERGROUPS,
      allowedUsers: values.CAPTURE_ALLOWED_USERS,
      readersRestricted: values.CAPTURE_READERS_RESTRICTED === 'true',
      approverGroups: values.CAPTURE_APPROVERS,
    },
    artifactDestination: values.ARTIFACT_DESTINATION ?? 'thread',
    artifactRetentionMs: values.ARTIFACT_RETENTION ?? null,
    reasonRequired: values.CAPTURE_REASON_REQUIRED !== 'false',
    notifyDeviceOwner: values.NOTIFY_DEVICE_OWNER !== 'false',
  };
}

/** Every credential in the configuration: the logger masks each of them wherever it appears. */
export function secretsOf(config: Config): string[] {
  const { slack, cloudflare } = config;
  return [slack.botToken, slack.appToken, slack.signingSecret, cloudflare.apiToken].filter((secret): secret is string =>
    Boolean(secret),
  );
}
