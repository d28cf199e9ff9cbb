// Stat results and principals for the audit's pure checks: a fake host with root (0), the app
// user appa (1001, group appa 1001, also in group deploy 1500), and someone else (2000).
import { FileFacts, Names, Principal, TreeEntry, Walk } from '../../../src/audit/model';

export const APPA: Principal = { user: 'appa', uid: 1001, groups: new Map([[1001, 'appa'], [1500, 'deploy']]) };
export const OTHER_UID = 2000;
export const OTHER_GID = 2000;

export const NAMES: Names = {
  userName: (uid) => ({ 0: 'root', 1001: 'appa', 2000: 'bob' } as Record<number, string>)[uid] ?? String(uid),
  groupName: (gid) => ({ 0: 'root', 1001: 'appa', 1500: 'deploy', 2000: 'bob', 33: 'www-data', 1600: 'appa-ops' } as Record<number, string>)[gid] ?? String(gid),
};

export function dir(path: string, mode = 0o755, uid = 0, gid = 0): FileFacts {
  return { path, type: 'dir', uid, gid, mode };
}

export function file(path: string, mode = 0o644, uid = 0, gid = 0): FileFacts {
  return { path, type: 'file', uid, gid, mode };
}

export function socket(path: string, mode = 0o660, uid = 1001, gid = 1001): FileFacts {
  return { path, type: 'socket', uid, gid, mode };
}

export function symlink(path: string): FileFacts {
  return { path, type: 'symlink', uid: 1001, gid: 1001, mode: 0o777 };
}

/** A walk from a list whose paths are below the first; each entry's parent is found by path. */
export function walk(facts: readonly FileFacts[], truncated = false): Walk {
  const index = new Map<string, number>();
  const entries: TreeEntry[] = facts.map((f, i) => {
    index.set(f.path, i);
    const parentPath = f.path.slice(0, f.path.lastIndexOf('/'));
    return { ...f, parent: i === 0 ? -1 : index.get(parentPath) ?? -1 };
  });
  return { top: facts[0]!.path, entries, truncated, limit: 200_000 };
}

/** / (root 0755), /srv (root 0755): the usual folders above an app. */
export const ABOVE_SRV: FileFacts[] = [dir('/'), dir('/srv')];

/** A clean app folder: root-owned code, readable by the app's group. */
export function cleanApp(): FileFacts[] {
  return [
    dir('/srv/appa', 0o750, 0, 1001),
    dir('/srv/appa/releases', 0o750, 0, 1001),
    dir('/srv/appa/releases/1', 0o750, 0, 1001),
    file('/srv/appa/releases/1/app.py', 0o640, 0, 1001),
    file('/srv/appa/releases/1/.env', 0o640, 0, 1001),
    symlink('/srv/appa/current'),
  ];
}
