// Who can do what to a file, from its owner, group and mode bits only (POSIX ACLs, file
// capabilities and mount options are not looked at: see docs/audit.md).
import { FileFacts, Principal, TreeEntry } from './model';

export const STICKY = 0o1000;

/** Why the app's user can change a file: it owns it (and so can chmod it), its group can write
 * it and the user holds that group, or everyone can. */
export type WriteReason = 'owner' | 'group' | 'world';

/** Symlinks have no permissions of their own (a link cannot be changed in place, only replaced by
 * whoever can write its folder), so they never have a reason. */
export function writeReasons(f: FileFacts, who: Principal): WriteReason[] {
  if (f.type === 'symlink') return [];
  const reasons: WriteReason[] = [];
  if (f.uid === who.uid) reasons.push('owner');
  if ((f.mode & 0o020) !== 0 && who.groups.has(f.gid)) reasons.push('group');
  if ((f.mode & 0o002) !== 0) reasons.push('world');
  return reasons;
}

/** For a folder above the tree: write access there lets one rename the next folder down and put
 * another in its place, except where the sticky bit (/tmp) allows it only for what one owns. The
 * owner of a sticky folder is still its master. */
export function aboveReasons(f: FileFacts, who: Principal): WriteReason[] {
  const reasons = writeReasons(f, who);
  return (f.mode & STICKY) !== 0 ? reasons.filter((r) => r === 'owner') : reasons;
}

export function isSticky(f: FileFacts): boolean {
  return (f.mode & STICKY) !== 0;
}

/** "0755", "1777". */
export function octal(mode: number): string {
  return mode.toString(8).padStart(4, '0');
}

/** True when someone who is neither owner nor in the group can get from / to `ancestors`' last
 * entry: every folder on the way lets others search it (o+x). */
export function othersCanReach(ancestors: readonly FileFacts[]): boolean {
  return ancestors.every((a) => a.type !== 'dir' || (a.mode & 0o001) !== 0);
}

/** For each entry of a walk, whether others can reach it, given whether they reach the top. */
export function reachability(entries: readonly TreeEntry[], topReachable: boolean): boolean[] {
  const reach: boolean[] = [];
  entries.forEach((e, i) => {
    const parent = e.parent < 0 ? undefined : entries[e.parent];
    reach[i] = parent === undefined ? topReachable : reach[e.parent]! && (parent.mode & 0o001) !== 0;
  });
  return reach;
}

export interface Collapsed<R extends string> {
  readonly index: number;
  readonly reason: R;
  /** How many entries below it have the same reason (counted into this one). */
  readonly below: number;
}

/**
 * One item per (entry, reason) whose folder does not have the same reason; entries below one that
 * does are counted into it. A tree chowned to the app user gives one finding with "and 5,000
 * entries below it", not 5,001 findings. Entries must come in walk order (folders first).
 */
export function collapse<R extends string>(entries: readonly TreeEntry[], reasonsOf: (e: TreeEntry, index: number) => readonly R[]): Collapsed<R>[] {
  const representative = new Map<R, Int32Array>();
  const items: { index: number; reason: R; below: number }[] = [];
  const itemOf = new Map<string, { below: number }>();
  entries.forEach((e, i) => {
    for (const reason of reasonsOf(e, i)) {
      let rep = representative.get(reason);
      if (rep === undefined) {
        rep = new Int32Array(entries.length).fill(-1);
        representative.set(reason, rep);
      }
      const up = e.parent >= 0 ? rep[e.parent]! : -1;
      if (up >= 0) {
        rep[i] = up;
        itemOf.get(`${up}:${reason}`)!.below += 1;
      } else {
        rep[i] = i;
        const item = { index: i, reason, below: 0 };
        items.push(item);
        itemOf.set(`${i}:${reason}`, item);
      }
    }
  });
  return items;
}

/** " (and 3 more entries below it)", or nothing. */
export function belowText(below: number): string {
  if (below === 0) return '';
  return ` (and ${below.toLocaleString('en-US')} more ${below === 1 ? 'entry' : 'entries'} below it)`;
}
