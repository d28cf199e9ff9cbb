// Check 5: the app's processes (everything with MUSTER_APP=<app> in its environment: the app tier
// and what it started) must run as the registration's unprivileged user, without capabilities, and
// with no-new-privileges, so that a compromised app cannot become root through a setuid program.
import { capabilityNames } from './capabilities';
import { Finding, ProcessFacts, Severity } from './model';

export interface ProcessContext {
  readonly app: string;
  readonly registration: string;
  /** The app's user id; null when the user does not exist. */
  readonly uid: number | null;
}

const THROUGH_HOST = 'start the app through muster host (it drops to the registration\'s user with setpriv --no-new-privs and no capabilities); a running process cannot be changed';

export function checkProcesses(processes: readonly ProcessFacts[], ctx: ProcessContext): Finding[] {
  const findings: Finding[] = [];
  for (const p of processes) {
    const problems: { severity: Severity; text: string }[] = [];
    const root = p.uids.includes(0);
    if (root) problems.push({ severity: 'severe', text: `runs as root (uid ${p.uids.join('/')} real/effective/saved/fs)` });
    const caps = p.capEff | p.capPrm | p.capAmb;
    if (!root && caps !== 0n) {
      problems.push({ severity: 'severe', text: `holds capabilities: ${capabilityNames(caps)} (CapEff ${hex(p.capEff)}, CapPrm ${hex(p.capPrm)}, CapAmb ${hex(p.capAmb)})` });
    }
    if (p.noNewPrivs === false) problems.push({ severity: 'warning', text: 'runs without no-new-privileges: a setuid or setcap program it runs gains privileges' });
    if (p.gids.includes(0) || p.groups.includes(0)) problems.push({ severity: 'warning', text: 'holds group root (gid 0): it can read and write what group root may' });
    if (problems.length === 0) continue;
    const stranger = !root && ctx.uid !== null && !p.uids.includes(ctx.uid)
      ? ` It is not the app's user: if it is an operator's shell or client with MUSTER_APP exported, use muster --app ${ctx.app} instead.`
      : '';
    findings.push({
      severity: problems.some((x) => x.severity === 'severe') ? 'severe' : 'warning',
      kind: 'process',
      object: `pid ${p.pid} (${p.command})`,
      message: `app process ${problems.map((x) => x.text).join('; ')}.${stranger}`,
      fix: root ? `${THROUGH_HOST}; user in ${ctx.registration} must not be root` : THROUGH_HOST,
    });
  }
  return findings;
}

function hex(mask: bigint): string {
  return mask.toString(16).padStart(16, '0');
}
