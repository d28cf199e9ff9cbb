// What the audit needs of the accounts beyond src/host/accounts (which reads /etc/passwd and
// /etc/group for the host tier too): who an app's processes are to the kernel, names of ids for
// messages, and /etc/shadow's password fields for the login check. Only the files are read: users
// and groups from LDAP or other NSS sources are not seen (docs/audit.md says so).
import * as fs from 'node:fs';
import type { Accounts, UserAccount } from '../host/accounts';
import type { NamedId } from '../host/registration';
import { Names, Principal } from './model';

/** User name -> password field. */
export function parseShadow(text: string): Map<string, string> {
  return new Map(text.split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#') && !l.startsWith('+') && !l.startsWith('-'))
    .map((l) => l.split(':'))
    .filter((f) => f.length >= 2)
    .map((f) => [f[0]!, f[1]!]));
}

/** null when it cannot be read (not root). */
export function readShadow(file = '/etc/shadow'): Map<string, string> | null {
  try {
    return parseShadow(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/** The ids the app's processes run with: setpriv --reuid U --regid G --init-groups gives them the
 * registration's group and what initgroups(3) gives the user. */
export function principalOf(accounts: Accounts, user: UserAccount, group: NamedId): Principal {
  const groups = new Map<number, string>([[group.id, group.name]]);
  for (const gid of accounts.groupIdsOf(user)) groups.set(gid, accounts.groupById(gid)?.name ?? String(gid));
  return { user: user.name, uid: user.uid, groups };
}

export function namesOf(accounts: Accounts): Names {
  return {
    userName: (uid) => accounts.userById(uid)?.name ?? String(uid),
    groupName: (gid) => accounts.groupById(gid)?.name ?? String(gid),
  };
}
