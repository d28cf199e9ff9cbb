// Check 2: the registration says who an app runs as and who may reach it, so only root may change
// it: whoever can write /etc/muster/apps/<app>.toml (or the folder, or a folder above it) can make
// the host tier start any code as any user but root, with any socket.
import { isSticky, octal } from './access';
import { FileFacts, Finding, Names } from './model';

export interface RegistrationFacts {
  /** The registrations folder (--apps). */
  readonly folder: FileFacts | null;
  /** The folders above it, from / down. */
  readonly above: readonly FileFacts[];
  /** The app's registration file (through a symlink: what it points to). */
  readonly file: FileFacts | null;
}

export function checkRegistration(facts: RegistrationFacts, names: Names): Finding[] {
  const findings: Finding[] = [];
  for (const f of facts.above) findings.push(...folderProblems(f, 'folder above the registrations', names, true));
  if (facts.folder !== null) findings.push(...folderProblems(facts.folder, 'registrations folder', names, false));
  if (facts.file !== null) findings.push(...fileProblems(facts.file, names));
  return findings;
}

const CONSEQUENCE = 'who can change it can make the host tier start other code, as another user, with other sockets';

/** Who besides root may change `f`: its owner when not root, its group, everyone. */
function changers(f: FileFacts, names: Names): string[] {
  const who: string[] = [];
  if (f.uid !== 0) who.push(`its owner ${names.userName(f.uid)}`);
  if ((f.mode & 0o020) !== 0) who.push(`group ${names.groupName(f.gid)}`);
  if ((f.mode & 0o002) !== 0) who.push('everyone');
  return who;
}

/** The registration file: one finding, and one fix that makes it what the host tier accepts. The
 * host refuses such a file (the app is not started); the audit still checks the rest of the app. */
function fileProblems(f: FileFacts, names: Names): Finding[] {
  const who = changers(f, names);
  if (who.length === 0) return [];
  return [{
    severity: 'severe',
    kind: 'registration',
    object: f.path,
    message: `registration can be changed by ${who.join(' and ')} (mode ${octal(f.mode)}), so muster host refuses it: ${CONSEQUENCE}`,
    fix: `chown root:root ${f.path}; chmod 644 ${f.path}`,
  }];
}

function folderProblems(f: FileFacts, what: string, names: Names, stickyIsFine: boolean): Finding[] {
  const found: Finding[] = [];
  if (f.uid !== 0) {
    found.push({
      severity: 'severe',
      kind: 'registration',
      object: f.path,
      message: `${what} is owned by ${names.userName(f.uid)}, not root: ${CONSEQUENCE}`,
      fix: `chown root:root ${f.path}`,
    });
  }
  const writers = f.mode & 0o022;
  if (writers !== 0 && !(stickyIsFine && isSticky(f))) {
    const by = writers === 0o022 ? `group ${names.groupName(f.gid)} and everyone` : writers === 0o020 ? `group ${names.groupName(f.gid)}` : 'everyone';
    found.push({
      severity: 'severe',
      kind: 'registration',
      object: f.path,
      message: `${what} is writable by ${by} (mode ${octal(f.mode)}): ${CONSEQUENCE}`,
      fix: `chmod go-w ${f.path}`,
    });
  }
  return found;
}
