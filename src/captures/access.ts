/** What the access rules need to know about people. Implemented with Slack; the domain never imports Slack. */
export interface PeopleDirectory {
  /** Workspace admin or owner. */
  isAdminOrOwner(userId: string): Promise<boolean>;
  /** User ids in a user group, given by id (`S…`) or handle (`helpdesk`). */
  groupMembers(group: string): Promise<string[]>;
}

export interface AccessRules {
  /** CAPTURE_ALLOWED_USERS: Slack user ids. */
  allowedUsers: string[];
  /** CAPTURE_ALLOWED_USERGROUPS: user group ids or handles. */
  allowedGroups: string[];
  /** CAPTURE_READERS_RESTRICTED: reading (quota, status, list) needs the same right as capturing. */
  readersRestricted: boolean;
  /**
   * CAPTURE_APPROVERS: user group ids or handles. When set, a request starts only once a member of one of them who
   * is not the requester approves it. Empty: no approval asked.
   */
  approverGroups: string[];
}

/** Why someone may not. Only facts: the Slack side says it in words. */
export type Refusal =
  /** CAPTURE_ALLOWED_USERGROUPS is set and they are in none of these groups (ids `S…` or handles, as configured). */
  | { kind: 'not-in-groups'; groups: string[] }
  /** Only CAPTURE_ALLOWED_USERS is set, and they are not on it. */
  | { kind: 'not-listed' }
  /** No allowlist: only workspace admins and owners may, and they are neither. */
  | { kind: 'not-admin' }
  /** Slack could not confirm it in time (or at all): the answer is no. */
  | { kind: 'unconfirmed' }
  /** The request's user id is not a Slack user id (a forged payload): nobody was asked about it. */
  | { kind: 'unknown-user' }
  /** Approving or denying: they asked for the captures themselves (four eyes means someone else). */
  | { kind: 'is-requester' }
  /** Approving or denying: they are in none of the approver groups (CAPTURE_APPROVERS, as configured). */
  | { kind: 'not-approver'; groups: string[] };

export type AccessDecision = { allowed: true } | { allowed: false; refusal: Refusal };

const CACHE_TTL_MS = 60_000;
/**
 * How long a decision may wait for Slack. Checks run before an acknowledgement, which Slack needs within 3 s; the
 * Web API client retries a failing call for longer than that, so the decision does not wait for it (the lookup
 * carries on and fills the cache for the next request).
 */
export const ACCESS_BUDGET_MS = 1_200;

const UNKNOWN: AccessDecision = { allowed: false, refusal: { kind: 'unconfirmed' } };

/**
 * Who may start captures (they can hold a person's traffic) and who may read. Decided on every request; a
 * user group's members and a person's admin flag are cached for a minute. When Slack cannot answer, the answer
 * is no: this fails closed.
 */
export class AccessPolicy {
  readonly #cache = new Map<string, { at: number; value: Promise<unknown> }>();

  constructor(
    private readonly rules: AccessRules,
    private readonly people: PeopleDirectory,
    private readonly now: () => number,
  ) {}

  /** Whether captures wait for a second person's approval (CAPTURE_APPROVERS is set). */
  get approvalRequired(): boolean {
    return this.rules.approverGroups.length > 0;
  }

  /** Fails closed: when Slack does not answer within `budgetMs` (or at all), the answer is no. */
  mayCapture(userId: string, { budgetMs = ACCESS_BUDGET_MS } = {}): Promise<AccessDecision> {
    return withinBudget(this.#decide(userId), budgetMs);
  }

  /**
   * Whether `userId` may approve or deny a request `requestedBy` made: a member of an approver group who is not the
   * requester. Decided on every click; fails closed like `mayCapture`.
   */
  mayApprove(userId: string, requestedBy: string, { budgetMs = ACCESS_BUDGET_MS } = {}): Promise<AccessDecision> {
    const { approverGroups } = this.rules;
    if (userId === requestedBy) return Promise.resolve({ allowed: false, refusal: { kind: 'is-requester' } });
    return withinBudget(
      (async (): Promise<AccessDecision> => {
        try {
          for (const group of approverGroups) {
            const members = await this.#cached(`group:${group}`, () => this.people.groupMembers(group));
            if (members.includes(userId)) return { allowed: true };
          }
          return { allowed: false, refusal: { kind: 'not-approver', groups: [...approverGroups] } };
        } catch {
          return UNKNOWN;
        }
      })(),
      budgetMs,
    );
  }

  async #decide(userId: string): Promise<AccessDecision> {
    const { allowedUsers, allowedGroups } = this.rules;
    if (allowedUsers.includes(userId)) return { allowed: true };
    try {
      if (allowedGroups.length > 0) {
        for (const group of allowedGroups) {
          const members = await this.#cached(`group:${group}`, () => this.people.groupMembers(group));
          if (members.includes(userId)) return { allowed: true };
        }
        return { allowed: false, refusal: { kind: 'not-in-groups', groups: [...allowedGroups] } };
      }
      if (allowedUsers.length > 0) return { allowed: false, refusal: { kind: 'not-listed' } };
      if (await this.#cached(`admin:${userId}`, () => this.people.isAdminOrOwner(userId))) return { allowed: true };
      return { allowed: false, refusal: { kind: 'not-admin' } };
    } catch {
      return UNKNOWN;
    }
  }

  async mayRead(userId: string): Promise<AccessDecision> {
    return this.rules.readersRestricted ? this.mayCapture(userId) : { allowed: true };
  }

  #cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.#cache.get(key);
    if (hit && this.now() - hit.at < CACHE_TTL_MS) return hit.value as Promise<T>;
    const value = load();
    this.#cache.set(key, { at: this.now(), value });
    // A failed lookup is not remembered: the next request asks again.
    value.catch(() => this.#cache.delete(key));
    return value;
  }
}

/** The decision, or no when it is not made within `budgetMs`. */
async function withinBudget(deciding: Promise<AccessDecision>, budgetMs: number): Promise<AccessDecision> {
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<AccessDecision>((resolve) => {
    timer = setTimeout(() => resolve(UNKNOWN), budgetMs);
    timer.unref();
  });
  try {
    return await Promise.race([deciding, outOfTime]);
  } finally {
    clearTimeout(timer);
  }
}
