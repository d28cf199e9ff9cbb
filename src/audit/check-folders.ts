// Check 0: the audit looks where the host tier keeps the app. A registered app the host accepts has
// a run folder with its control socket, a state folder and a log folder while the host runs; when
// one is missing, the audit is most likely looking in the wrong place (muster host started with
// --run-dir or $MUSTER_RUN_DIR, the audit without), and a clean report would say nothing true.
import { FileFacts, Finding } from './model';

export interface HostFolderFacts {
  /** Each path with its facts, null when it does not exist. */
  readonly run: { readonly path: string; readonly facts: FileFacts | null };
  readonly control: { readonly path: string; readonly facts: FileFacts | null };
  readonly state: { readonly path: string; readonly facts: FileFacts | null };
  readonly log: { readonly path: string; readonly facts: FileFacts | null };
}

const WRONG_FOLDERS = 'is muster host running with other folders? use --run-dir/--state-dir/--log-dir';

export function checkHostFolders(facts: HostFolderFacts): Finding[] {
  const findings: Finding[] = [];
  const missing = (p: string, what: string, unchecked: string, option: string) => findings.push({
    severity: 'warning',
    kind: 'incomplete',
    object: p,
    message: `${what} ${p} does not exist, so ${unchecked} were not checked (${WRONG_FOLDERS})`,
    fix: `muster audit ${option} DIR, with the folder muster host uses; or start muster host`,
  });
  if (facts.run.facts === null) missing(facts.run.path, 'the run folder', 'the control socket and the sockets in it', '--run-dir');
  else if (facts.control.facts === null) missing(facts.control.path, 'the control socket', 'who may control the app', '--run-dir');
  if (facts.state.facts === null) missing(facts.state.path, 'the state folder', 'who may read it', '--state-dir');
  if (facts.log.facts === null) missing(facts.log.path, 'the log folder', 'who may read the logs', '--log-dir');
  return findings;
}
