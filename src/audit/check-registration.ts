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
  for (const f of facts.above) findings.push(...problems(f, 'folder above the registrations', names, true));
  if (facts.folder !== null) findings.push(...problems(facts.folder, 'registrations folder', names, false));
  if (facts.file !== null) findings.push(...problems(facts.file, 'registration', names, false));
  return findings;
}

function problems(f: FileFacts, what: string, names: Names, stickyIsFine: boolean): Finding[] {
  const found: Finding[] = [];
  const consequence = 'who can change it can make the host tier start other code, as another user, with other sockets';
  if (f.uid !== 0) {
    found.push({
      severity: 'severe',
      kind: 'registration',
      object: f.path,
      message: `${what} is owned by ${names.userName(f.uid)}, not root: ${consequence}`,
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
      message: `${what} is writable by ${by} (mode ${octal(f.mode)}): ${consequence}`,
      fix: `chmod go-w ${f.path}`,
    });
  }
  return found;
}
