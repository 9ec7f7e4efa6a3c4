import type { Server } from 'node:http';
import { App, LogLevel } from '@slack/bolt';

/*
 * The floor for the ack benchmarks: a bare Bolt 5 app in HTTP mode whose only listeners acknowledge. Same
 * signing secret and Slack stand-in as the bot; prints {"port": …} once it listens.
 */
const app = new App({
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? '',
  token: process.env.SLACK_BOT_TOKEN ?? '',
  tokenVerificationEnabled: false,
  logLevel: LogLevel.ERROR,
  clientOptions: { slackApiUrl: process.env.SLACK_API_URL ?? '', retryConfig: { retries: 0 } },
});
app.command(/.*/, async ({ ack }) => {
  await ack();
});
app.view(/.*/, async ({ ack }) => {
  await ack();
});

const server = (await app.start({ port: 0, host: '127.0.0.1' })) as Server;
const address = server.address();
process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : null })}\n`);
process.on('SIGTERM', () => {
  app.stop().then(() => process.exit(0));
});
