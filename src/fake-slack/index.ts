/*
 * A local stand-in for Slack, for the tests and `npm run demo`: a real HTTP server on 127.0.0.1 that answers
 * the Web API methods the bot uses (and refuses what Slack refuses), records every call, hosts the Socket Mode
 * link, and a driver that plays the Slack client (signed requests or socket envelopes into the bot).
 *
 *   const slack = await startFakeSlack();
 *   const app = new App({ token: slack.botToken, signingSecret: slack.signingSecret,
 *     clientOptions: { slackApiUrl: slack.apiUrl, retryConfig: { retries: 0 } } });
 *   const alice = slack.driver({ botUrl: 'http://127.0.0.1:3000/slack/events', userId: 'U_ALICE' });
 *   await alice.slashCommand('');                          // { status, body, triggerId, responseUrl, … }
 *   await slack.waitForCall('views.open');                 // the bot acts after its ack: wait for the effect
 *   const [view] = slack.views.values();
 *   await alice.submitView(view, values.checkboxes('types', 'capture_types', ['pcap']));
 *   await alice.openAppHome();                             // app_home_opened (event_callback / events_api)
 *   await slack.waitForCall('views.publish');              // then slack.homeView('U_ALICE')
 *   await alice.clickButton({ homeOf: 'U_ALICE' }, 'new_capture');
 *   const { ephemeralTs } = await alice.slashCommand('');   // an ack with text/blocks: an ephemeral, recorded
 *   await alice.clickButton({ ephemeral: ephemeralTs }, 'go'); // also slack.ephemerals('U_ALICE').at(-1).ts
 *   const { triggerId } = await alice.globalShortcut('start_capture');
 *   const typed = slack.postAs('U_BOB', 'C_HELPDESK', 'my VPN drops');
 *   await alice.messageShortcut('capture_message', { channelId: 'C_HELPDESK', ts: typed.ts });
 *   await slack.close();
 *
 * Two fakes in one process share nothing. Socket Mode loads the `ws` package on first use only.
 */

export { LIMITS } from './block-limits.js';
export type {
  ClickResult,
  ClickTarget,
  DriverOptions,
  MessageShortcutResult,
  OptionsAnswer,
  ShortcutResult,
  SlackDriver,
  SlashCommandResult,
  SubmitOutcome,
  SubmitResult,
  ViewRef,
} from './driver.js';
export { type FakeSlack, type FakeSlackOptions, startFakeSlack } from './fake-slack.js';
export type { FakeFile } from './file-registry.js';
export { slackSignature } from './signing.js';
export type { SocketModeControl } from './socket-control.js';
export type { SocketAck, SocketEnvelope } from './socket-link.js';
export { type PickedOption, values } from './state-values.js';
export type { DriverResponse, RetryOptions, SendOptions, SentRequest } from './transport.js';
export type * from './types.js';
export { KEEP_CONTENT_MAX_BYTES } from './upload.js';
export type { StateValues } from './view-state.js';
export { DEFAULT_CHANNELS, DEFAULT_USERS, imIdFor } from './workspace.js';
