// /etc/passwd, /etc/group and /etc/shadow, parsed. Only the files are read: users and groups from
// LDAP or other NSS sources are not seen (docs/audit.md says so).
import { Names, Principal } from './model';

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
  readonly members: readonly string[];
}

export interface Accounts {
  readonly users: readonly PasswdEntry[];
  readonly groups: readonly GroupEntry[];
  /** User name -> password field; null when /etc/shadow could not be read. */
  readonly shadow: ReadonlyMap<string, string> | null;
}

/** Lines of a colon-separated database, without comments, blanks and NIS "+"/"-" entries. */
function records(text: string, fields: number): string[][] {
  return text.split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('+') && !l.startsWith('-'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= fields);
}

const isId = (s: string) => /^\d+$/.test(s);

export function parsePasswd(text: string): PasswdEntry[] {
  return records(text, 7)
    .filter((f) => isId(f[2]!) && isId(f[3]!))
    .map((f) => ({ name: f[0]!, uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]!.trim() }));
}

export function parseGroup(text: string): GroupEntry[] {
  return records(text, 4)
    .filter((f) => isId(f[2]!))
    .map((f) => ({ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').map((m) => m.trim()).filter((m) => m !== '') }));
}

export function parseShadow(text: string): Map<string, string> {
  return new Map(records(text, 2).map((f) => [f[0]!, f[1]!]));
}

export function findUser(accounts: Accounts, name: string): PasswdEntry | undefined {
  return accounts.users.find((u) => u.name === name) ?? (isId(name) ? accounts.users.find((u) => u.uid === Number(name)) : undefined);
}

export function findGroup(accounts: Accounts, name: string): GroupEntry | undefined {
  return accounts.groups.find((g) => g.name === name) ?? (isId(name) ? accounts.groups.find((g) => g.gid === Number(name)) : undefined);
}

/** The ids the app's processes run with: setpriv --reuid U --regid G --init-groups gives them the
 * registration's group, the user's primary group and every group listing the user. */
export function principalOf(accounts: Accounts, user: PasswdEntry, group: GroupEntry | undefined): Principal {
  const groups = new Map<number, string>();
  const name = (gid: number) => accounts.groups.find((g) => g.gid === gid)?.name ?? String(gid);
  if (group !== undefined) groups.set(group.gid, group.name);
  groups.set(user.gid, name(user.gid));
  for (const g of accounts.groups) if (g.members.includes(user.name)) groups.set(g.gid, g.name);
  return { user: user.name, uid: user.uid, groups };
}

export function namesOf(accounts: Accounts): Names {
  return {
    userName: (uid) => accounts.users.find((u) => u.uid === uid)?.name ?? String(uid),
    groupName: (gid) => accounts.groups.find((g) => g.gid === gid)?.name ?? String(gid),
  };
}
