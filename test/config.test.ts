import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const valid = {
  SLACK_BOT_TOKEN: 'xoxb-1-abc',
  SLACK_SIGNING_SECRET: 'a1b2c3d4e5f6a7b8c9d0',
  CLOUDFLARE_API_TOKEN: 'cf-token-value',
  CLOUDFLARE_ACCOUNT_ID: '023e105f4ecef8ad9ca31a8372d0c353',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('fills the documented defaults', () => {
    expect(loadConfig(valid)).toEqual({
      slack: {
        botToken: 'xoxb-1-abc',
        signingSecret: 'a1b2c3d4e5f6a7b8c9d0',
        appToken: null,
        apiUrl: 'https://slack.com/api/',
        mode: 'http',
      },
      port: 3000,
      cloudflare: {
        apiToken: 'cf-token-value',
        accountId: '023e105f4ecef8ad9ca31a8372d0c353',
        apiUrl: 'https://api.cloudflare.com/client/v4',
      },
      databaseUrl: 'sqlite:./data/dex-capture-bot.db',
      pollIntervalSeconds: 15,
      access: { allowedGroups: [], allowedUsers: [], readersRestricted: false, approverGroups: [] },
      artifactDestination: 'thread',
      artifactRetentionMs: 7 * 86_400_000,
      reasonRequired: true,
      notifyDeviceOwner: true,
    });
  });

  it('reads the privacy settings: retention durations or off, the reason and the owner notice', () => {
    const retention = (value: string) => loadConfig({ ...valid, ARTIFACT_RETENTION: value }).artifactRetentionMs;
    expect(retention('7d')).toBe(7 * 86_400_000);
    expect(retention('12h')).toBe(12 * 3_600_000);
    expect(retention('30m')).toBe(30 * 60_000);
    expect(retention('45s')).toBe(45_000);
    expect(retention('off')).toBeNull();
    expect(problems({ ...valid, ARTIFACT_RETENTION: '1 week' })).toEqual([
      'ARTIFACT_RETENTION must be a duration like 7d, 12h, 30m or 45s, or off',
    ]);
    expect(problems({ ...valid, ARTIFACT_RETENTION: '0s' })).toHaveLength(1);
    const off = loadConfig({ ...valid, CAPTURE_REASON_REQUIRED: 'false', NOTIFY_DEVICE_OWNER: 'false' });
    expect([off.reasonRequired, off.notifyDeviceOwner]).toEqual([false, false]);
  });

  it('reads the second approver groups, handles or ids, and refuses anything else', () => {
    expect(loadConfig({ ...valid, CAPTURE_APPROVERS: '@security, S0SECOPS' }).access.approverGroups).toEqual([
      '@security',
      'S0SECOPS',
    ]);
    expect(problems({ ...valid, CAPTURE_APPROVERS: 'sec ops!' })).toEqual([
      'CAPTURE_APPROVERS must be a comma-separated list of user group handles or ids',
    ]);
  });

  it('reads where the files go: thread, dm or digest (digests only)', () => {
    expect(loadConfig({ ...valid, ARTIFACT_DESTINATION: 'digest' }).artifactDestination).toBe('digest');
    expect(problems({ ...valid, ARTIFACT_DESTINATION: 'channel' })).toEqual([
      'ARTIFACT_DESTINATION must be thread, dm or digest',
    ]);
  });

  it('reads who may capture', () => {
    const config = loadConfig({
      ...valid,
      CAPTURE_ALLOWED_USERGROUPS: '@helpdesk, S0SECOPS',
      CAPTURE_ALLOWED_USERS: 'U0ALICE U0BOB',
      CAPTURE_READERS_RESTRICTED: 'true',
    });
    expect(config.access).toEqual({
      allowedGroups: ['@helpdesk', 'S0SECOPS'],
      allowedUsers: ['U0ALICE', 'U0BOB'],
      readersRestricted: true,
      approverGroups: [],
    });
    expect(problems({ ...valid, CAPTURE_ALLOWED_USERS: 'alice', CAPTURE_READERS_RESTRICTED: 'yes' })).toEqual([
      'CAPTURE_ALLOWED_USERS must be a comma-separated list of Slack user ids (U…)',
      'CAPTURE_READERS_RESTRICTED must be true or false',
    ]);
  });

  it('runs in Socket Mode when SLACK_APP_TOKEN is set, without a signing secret', () => {
    const config = loadConfig({ ...valid, SLACK_SIGNING_SECRET: '', SLACK_APP_TOKEN: 'xapp-1-abc' });
    expect(config.slack.mode).toBe('socket');
  });

  it('names every problem at once, and never a value', () => {
    const found = problems({ SLACK_BOT_TOKEN: 'not-a-token', PORT: 'eighty', POLL_INTERVAL_SECONDS: '0' });
    expect(found).toEqual(
      expect.arrayContaining([
        'SLACK_BOT_TOKEN must start with xoxb-',
        'PORT must be a port number',
        'POLL_INTERVAL_SECONDS must be from 1 to 300',
        'CLOUDFLARE_API_TOKEN is required (an API token with "Cloudflare DEX Write")',
        'CLOUDFLARE_ACCOUNT_ID is required (the Zero Trust account id)',
        'SLACK_SIGNING_SECRET is required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)',
      ]),
    );
    expect(found.join(' ')).not.toContain('not-a-token');
  });
});
