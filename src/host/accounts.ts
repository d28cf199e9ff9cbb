// Users and groups, read from /etc/passwd and /etc/group the way `getent` shows the "files"
// database. No native module: Node has no getpwnam(3). Accounts that only NSS modules know
// (LDAP, sssd) are not seen; the host tier's users are local system users (useradd -r).

import * as fs from 'node:fs';

export interface UserAccount {
  readonly name: string;
  readonly uid: number;
  /** The primary group's id. */
  readonly gid: number;
  readonly home: string;
  readonly shell: string;
}

export interface GroupAccount {
  readonly name: string;
  readonly gid: number;
  /** Users listed in the group's entry (not those whose primary group it is). */
  readonly members: readonly string[];
}

export class Accounts {
  private constructor(
    private readonly users: readonly UserAccount[],
    private readonly groups: readonly GroupAccount[],
  ) {}

  static parse(passwdText: string, groupText: string): Accounts {
    return new Accounts(parseLines(passwdText, 7).flatMap(toUser), parseLines(groupText, 4).flatMap(toGroup));
  }

  /** Read afresh on every call: users created after the host started are seen by the next read. */
  static read(passwdFile = '/etc/passwd', groupFile = '/etc/group'): Accounts {
    return Accounts.parse(fs.readFileSync(passwdFile, 'utf8'), fs.readFileSync(groupFile, 'utf8'));
  }

  user(name: string): UserAccount | undefined {
    return this.users.find((u) => u.name === name);
  }

  userById(uid: number): UserAccount | undefined {
    return this.users.find((u) => u.uid === uid);
  }

  group(name: string): GroupAccount | undefined {
    return this.groups.find((g) => g.name === name);
  }

  groupById(gid: number): GroupAccount | undefined {
    return this.groups.find((g) => g.gid === gid);
  }

  userNames(): string[] {
    return this.users.map((u) => u.name);
  }

  groupNames(): string[] {
    return this.groups.map((g) => g.name);
  }

  /** Every user in group `gid`: listed as a member, or with it as primary group. */
  membersOf(gid: number): string[] {
    const listed = this.groupById(gid)?.members ?? [];
    return [...new Set([...listed, ...this.users.filter((u) => u.gid === gid).map((u) => u.name)])];
  }

  /** What initgroups(3) gives `user` (and so `setpriv --init-groups`, and `id -G`): the primary
   * group, then every group that lists the user, each once, ascending. */
  groupIdsOf(user: UserAccount): number[] {
    const ids = new Set([user.gid]);
    for (const g of this.groups) if (g.members.includes(user.name)) ids.add(g.gid);
    return [...ids].sort((a, b) => a - b);
  }
}

/** Lines split on ":", comments, blank and NIS compat lines ("+", "-") left out. */
function parseLines(text: string, fields: number): string[][] {
  return text.split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#') && !line.startsWith('+') && !line.startsWith('-'))
    .map((line) => line.split(':'))
    .filter((parts) => parts.length >= fields);
}

function toUser(f: string[]): UserAccount[] {
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!isId(f[2]!) || !isId(f[3]!)) return [];
  return [{ name: f[0]!, uid, gid, home: f[5]!, shell: f[6]! }];
}

function toGroup(f: string[]): GroupAccount[] {
  if (!isId(f[2]!)) return [];
  return [{ name: f[0]!, gid: Number(f[2]), members: f[3]!.split(',').map((m) => m.trim()).filter(Boolean) }];
}

function isId(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) <= 0xffffffff;
}
