import type { webApi } from '@slack/bolt';
import type { PeopleDirectory } from '../captures/access.js';

const GROUP_ID = /^S[A-Z0-9_]+$/;

/** Who is who, from Slack: `users.info` (admin/owner) and user groups (`usergroups:read`). */
export class SlackPeople implements PeopleDirectory {
  /** Handle → id: a group's id never changes, so one lookup per handle is enough. */
  readonly #groupIds = new Map<string, string>();

  constructor(private readonly client: webApi.WebClient) {}

  async isAdminOrOwner(userId: string): Promise<boolean> {
    const { user } = await this.client.users.info({ user: userId });
    return Boolean(user && !user.deleted && (user.is_admin || user.is_owner || user.is_primary_owner));
  }

  async groupMembers(group: string): Promise<string[]> {
    const { users } = await this.client.usergroups.users.list({ usergroup: await this.groupId(group) });
    return users ?? [];
  }

  /** A user group's id (`S…`), given its id or its handle (`@helpdesk`, `helpdesk`). */
  async groupId(group: string): Promise<string> {
    if (GROUP_ID.test(group)) return group;
    const handle = group.replace(/^@/, '').toLowerCase();
    const known = this.#groupIds.get(handle);
    if (known) return known;
    const { usergroups } = await this.client.usergroups.list({});
    const found = usergroups?.find((g) => g.handle?.toLowerCase() === handle);
    if (!found?.id) throw new Error(`no user group with the handle @${handle}`);
    this.#groupIds.set(handle, found.id);
    return found.id;
  }
}
