// Check 3b: an app's processes must not reach another app's sockets. Each app's sockets are meant
// for its own clients (a web server's group, the operators); an app whose runtime identity holds
// that group — its registration's `group = "www-data"`, its user's primary group, or a
// supplementary group from /etc/group — can connect to them as well, and to a control socket that
// means stopping and restarting the other app. Only the socket's bits and ids count here; every
// app's run folder is root's 0755, so the folders do not stop anyone.
import { octal } from './access';
import { FileFacts, Finding, Names, Principal } from './model';

/** Who an app's processes are, and where each group comes from (for the fix). */
export interface AppIdentity {
  readonly app: string;
  readonly registration: string;
  readonly principal: Principal;
  /** The registration's group (`group`, else the user's primary group). */
  readonly group: number;
  /** The user's primary group in /etc/passwd. */
  readonly primaryGroup: number;
}

export interface OtherAppSockets {
  readonly app: string;
  /** "control socket", "socket web"; facts null when it does not exist. */
  readonly sockets: readonly { readonly label: string; readonly facts: FileFacts | null }[];
}

export function checkReach(me: AppIdentity, others: readonly OtherAppSockets[], names: Names): Finding[] {
  const findings: Finding[] = [];
  const { principal } = me;
  for (const other of others) {
    if (other.app === me.app) continue;
    for (const { label, facts: f } of other.sockets) {
      if (f === null || f.type !== 'socket') continue;
      const consequence = label === 'control socket' ? `: they can stop and restart ${other.app}` : '';
      // The kernel checks the owner bits for the owner and never its group bits.
      if (f.uid === principal.uid) {
        if ((f.mode & 0o200) === 0) continue;
        findings.push({
          severity: 'severe',
          kind: 'socket',
          object: f.path,
          message: `app ${me.app}'s processes can connect to ${other.app}'s ${label} ${f.path} (its owner, user ${principal.user}: both apps run as ${principal.user})${consequence}`,
          fix: `give ${me.app} a user of its own: user in ${me.registration}`,
        });
        continue;
      }
      if ((f.mode & 0o020) === 0 || !principal.groups.has(f.gid)) continue;
      const group = names.groupName(f.gid);
      findings.push({
        severity: 'severe',
        kind: 'socket',
        object: f.path,
        message: `app ${me.app}'s processes can connect to ${other.app}'s ${label} ${f.path} (group ${group}, mode ${octal(f.mode)})${consequence}`,
        fix: groupFix(me, f.gid, group),
      });
    }
  }
  return findings;
}

/** Every way the app's processes get the group, each with its own way out. */
function groupFix(me: AppIdentity, gid: number, group: string): string {
  const { user } = me.principal;
  const fixes: string[] = [];
  if (me.group === gid) fixes.push(`use a group of its own in ${me.registration} (group = "${group}" there now)`);
  if (me.primaryGroup === gid) fixes.push(`give ${user} a primary group of its own (usermod -g GROUP ${user})`);
  if (me.group !== gid && me.primaryGroup !== gid) fixes.push(`remove ${user} from ${group} (gpasswd -d ${user} ${group})`);
  return fixes.join('; ');
}
