import type { webApi } from '@slack/bolt';
import type { PeopleDirectory } from '../captures/access.js';

const GROUP_ID = /^S[A-Z0-9_]+$/;

/** Who is who, from Slack: `users.info` (admin/owner) and user groups (`usergroups:read`). */
export class SlackPeople implements PeopleDirectory {
  constructor(private readonly client: webApi.WebClient) {}

  async isAdminOrOwner(userId: string): Promise<boolean> {
    const { user } = await this.client.users.info({ user: userId });
    return Boolean(user && !user.deleted && (user.is_admin || user.is_owner || user.is_primary_owner));
  }

  async groupMembers(group: string): Promise<string[]> {
    const id = GROUP_ID.test(group) ? group : await this.#groupIdOf(group.replace(/^@/, ''));
    const { users } = await this.client.usergroups.users.list({ usergroup: id });
    return users ?? [];
  }

  async #groupIdOf(handle: string): Promise<string> {
    const { usergroups } = await this.client.usergroups.list({});
    const group = usergroups?.find((g) => g.handle?.toLowerCase() === handle.toLowerCase());
    if (!group?.id) throw new Error(`no user group with the handle @${handle}`);
    return group.id;
  }
}
