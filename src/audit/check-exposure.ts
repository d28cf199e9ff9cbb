// Check 4: what the app writes down must not be readable by every local user: logs (request
// data, tokens in URLs, stack traces), .env files (the app's secrets), and the state folder. A
// file counts only when others can reach it: a 0644 file in a 0750 folder is not exposed.
import { belowText, collapse, octal, othersCanReach, reachability } from './access';
import { FileFacts, Finding, Walk } from './model';

export interface ExposureFacts {
  readonly registration: string;
  /** <log-dir>/<app> and below (null: it does not exist), and the folders above it. */
  readonly logs: { readonly walk: Walk | null; readonly above: readonly FileFacts[] };
  /** .env files of the app folder, <root>/current and <root>/shared; `file.path` is where the file
   * really is (a release's .env is often a link to shared/.env), `above` the folders above that. */
  readonly envFiles: readonly { readonly shownAs: string; readonly file: FileFacts; readonly above: readonly FileFacts[] }[];
  readonly state: { readonly folder: FileFacts | null; readonly above: readonly FileFacts[] };
}

const worldReadable = (f: FileFacts) => f.type !== 'symlink' && (f.mode & 0o004) !== 0;

export function checkExposure(facts: ExposureFacts): Finding[] {
  return [...checkLogs(facts), ...checkEnvFiles(facts), ...checkState(facts)];
}

function checkLogs(facts: ExposureFacts): Finding[] {
  const { walk, above } = facts.logs;
  if (walk === null) return [];
  const reach = reachability(walk.entries, othersCanReach(above));
  const findings: Finding[] = collapse(walk.entries, (e, i) => (reach[i] && worldReadable(e) ? ['world'] : [])).map((item) => {
    const f = walk.entries[item.index]!;
    const folder = f.type === 'dir';
    return {
      severity: 'warning',
      kind: 'readable-log',
      object: f.path,
      message: `log ${folder ? 'folder' : 'file'} readable by everyone (mode ${octal(f.mode)})${belowText(item.below)}: ` +
        (folder ? 'any local user can list it and read what in it is readable' : 'any local user can read what the app logged'),
      fix: `chmod ${folder ? '-R ' : ''}o-rwx ${f.path}; umask = "027" in ${facts.registration} keeps new files private`,
    };
  });
  if (walk.truncated) {
    findings.push({
      severity: 'warning',
      kind: 'incomplete',
      object: walk.top,
      message: `stopped after ${walk.limit.toLocaleString('en-US')} entries: the rest of the log folder was not checked`,
      fix: `find ${walk.top} ! -type l -perm -0004 -ls  (check the rest by hand)`,
    });
  }
  return findings;
}

function checkEnvFiles(facts: ExposureFacts): Finding[] {
  return facts.envFiles
    .filter(({ file, above }) => worldReadable(file) && othersCanReach(above))
    .map(({ shownAs, file }) => ({
      severity: 'severe',
      kind: 'readable-env',
      object: shownAs,
      message: `.env file readable by everyone (mode ${octal(file.mode)}${file.path === shownAs ? '' : `, it is ${file.path}`}): any local user can read the app's secrets`,
      fix: `chmod o-rwx ${file.path}`,
    }));
}

function checkState(facts: ExposureFacts): Finding[] {
  const { folder, above } = facts.state;
  if (folder === null || !worldReadable(folder) || !othersCanReach(above)) return [];
  return [{
    severity: 'warning',
    kind: 'readable-state',
    object: folder.path,
    message: `state folder readable by everyone (mode ${octal(folder.mode)}): any local user can list what the app keeps there`,
    fix: `chmod o-rwx ${folder.path}`,
  }];
}
