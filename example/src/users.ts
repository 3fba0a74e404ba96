import type { AZStackCore, UserInfo } from 'azstack-react-native';

/** The users with these `azStackUserId`s, in the same order; rejects naming the ones the server does not know. */
export async function findUsers(core: AZStackCore, azStackUserIds: string[]): Promise<UserInfo[]> {
  const { list } = await core.getUsersInformation({ azStackUserIds });
  const byKey = new Map(list.map((user) => [user.azStackUserId, user]));
  const unknown = azStackUserIds.filter((id) => !byKey.has(id));
  if (unknown.length > 0) {
    throw new Error(`Unknown users: ${unknown.join(', ')}`);
  }
  return azStackUserIds.map((id) => byKey.get(id)!);
}

/** Splits a comma-separated list of `azStackUserId`s typed by the user. */
export function parseUserList(text: string): string[] {
  return text
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
}
