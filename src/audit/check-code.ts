// Check 1: the app's code and config must not be changeable by the app's own user (or by
// everyone): an app that can rewrite its code keeps whatever an attacker plants in it across
// restarts and deploys. Looks at the app folder and everything below it, <root>/current's target
// when it lies elsewhere, and every folder above them up to / (write access to a folder above lets
// one swap the whole tree).
import { WriteReason, aboveReasons, belowText, collapse, octal, writeReasons } from './access';
import { FileFacts, Finding, Principal, Walk } from './model';

export interface CodeTree {
  readonly walk: Walk;
  /** The folders above the top, from / down (for a path through symlinks: both the path as
   * written and the resolved one). */
  readonly above: readonly FileFacts[];
}

export function checkCode(trees: readonly CodeTree[], who: Principal): Finding[] {
  const findings: Finding[] = [];
  const seenAbove = new Set<string>();
  for (const tree of trees) {
    for (const f of tree.above) {
      if (seenAbove.has(f.path)) continue;
      seenAbove.add(f.path);
      for (const reason of aboveReasons(f, who)) findings.push(aboveFinding(f, reason, tree.walk.top, who));
    }
    const entries = tree.walk.entries;
    for (const item of collapse(entries, (e) => writeReasons(e, who))) {
      findings.push(treeFinding(entries[item.index]!, item.reason, item.below, who));
    }
    if (tree.walk.truncated) findings.push(truncatedFinding(tree.walk, who));
  }
  return findings;
}

function why(f: FileFacts, reason: WriteReason, who: Principal): string {
  switch (reason) {
    case 'owner': return `owned by ${who.user}, the app's user, who can chmod it and change it`;
    case 'group': return `writable by its group ${who.groups.get(f.gid) ?? f.gid}, which ${who.user} is in (mode ${octal(f.mode)})`;
    case 'world': return `writable by everyone (mode ${octal(f.mode)})`;
  }
}

function fix(f: FileFacts, reason: WriteReason, recursive: boolean): string {
  const r = recursive && f.type === 'dir' ? '-R ' : '';
  switch (reason) {
    case 'owner': return `chown ${r}root ${f.path}`;
    case 'group': return `chmod ${r}g-w ${f.path}`;
    case 'world': return `chmod ${r}o-w ${f.path}`;
  }
}

function treeFinding(f: FileFacts, reason: WriteReason, below: number, who: Principal): Finding {
  const what = f.type === 'dir' ? 'app code folder' : 'app code file';
  return {
    severity: 'severe',
    kind: 'writable-code',
    object: f.path,
    message: `${what} ${why(f, reason, who)}${belowText(below)}`,
    fix: fix(f, reason, true),
  };
}

function aboveFinding(f: FileFacts, reason: WriteReason, top: string, who: Principal): Finding {
  return {
    severity: 'severe',
    kind: 'writable-code',
    object: f.path,
    message: `folder above ${top} ${why(f, reason, who)}: the app can rename what it holds and put other code in its place`,
    fix: fix(f, reason, false),
  };
}

function truncatedFinding(walk: Walk, who: Principal): Finding {
  return {
    severity: 'warning',
    kind: 'incomplete',
    object: walk.top,
    message: `stopped after ${walk.limit.toLocaleString('en-US')} entries: the rest of the tree was not checked`,
    fix: `find ${walk.top} ! -type l \\( -user ${who.user} -o -perm -0002 -o -perm -0020 \\) -ls  (check the rest by hand)`,
  };
}
