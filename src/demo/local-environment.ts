import type { FakeSlack, FakeView, OptionsAnswer } from '../fake-slack/index.js';
import type { DexSimulator } from '../simulator/index.js';
import { QUOTA_LOADING } from '../slack/ui/capture-modal.js';

/** The user group whose members may start captures in the demo and the tests: Alice is in it, Bob is not. */
export const HELPDESK_GROUP = { id: 'S0HELPDESK', handle: 'helpdesk', users: ['U_ALICE'] };

/**
 * The bot's environment variables pointed at a local Slack stand-in and a DEX simulator: what the demo and
 * the end-to-end tests start the bot with (in process, or as `node dist/main.js`).
 */
export function localEnvironment(
  slack: FakeSlack,
  sim: DexSimulator,
  options: {
    databaseUrl: string;
    pollIntervalSeconds: number;
    socketMode?: boolean;
    allowedUsergroups?: string;
    /** CAPTURE_REASON_REQUIRED; the tests' default is false, so only the tests about reasons need to type one. */
    reasonRequired?: boolean;
  },
): Record<string, string> {
  return {
    SLACK_BOT_TOKEN: slack.botToken,
    ...(options.socketMode ? { SLACK_APP_TOKEN: slack.appToken } : { SLACK_SIGNING_SECRET: slack.signingSecret }),
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    CLOUDFLARE_API_TOKEN: sim.token,
    CLOUDFLARE_ACCOUNT_ID: sim.accountId,
    CLOUDFLARE_API_URL: sim.baseUrl,
    DATABASE_URL: options.databaseUrl,
    POLL_INTERVAL_SECONDS: String(options.pollIntervalSeconds),
    CAPTURE_ALLOWED_USERGROUPS: options.allowedUsergroups ?? HELPDESK_GROUP.handle,
    CAPTURE_REASON_REQUIRED: String(options.reasonRequired ?? false),
  };
}

/**
 * The capture modal opened with `triggerId` once it is complete: opened whole in one call, or opened while
 * loading and then filled in by `views.update`.
 */
export function filledModal(slack: FakeSlack, triggerId: string, timeoutMs = 5_000): Promise<FakeView> {
  return slack.waitFor(() => {
    const view = slack.viewOpenedWith(triggerId);
    return view && !JSON.stringify(view.view.blocks).includes(QUOTA_LOADING) ? view : undefined;
  }, timeoutMs);
}

export interface OfferedOption {
  text: { text: string };
  value: string;
}

/** Every option in an options-load answer, grouped ("Eligible", "Not eligible") or not. */
export function offeredOptions(answer: OptionsAnswer): OfferedOption[] {
  const groups = (answer.option_groups ?? []) as Array<{ options: OfferedOption[] }>;
  return [...((answer.options ?? []) as unknown as OfferedOption[]), ...groups.flatMap((g) => g.options)];
}

/** The option for the device named `name`, as the agent picks it. */
export function optionFor(answer: OptionsAnswer, name: string): { text: string; value: string } {
  const option = offeredOptions(answer).find((o) => o.text.text.startsWith(`${name} ·`));
  if (!option) throw new Error(`the device search did not offer ${name}: ${JSON.stringify(answer).slice(0, 500)}`);
  return { text: option.text.text, value: option.value };
}
