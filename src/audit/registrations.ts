// The registrations the audit works from: the host tier's own reading (loadRegistrations), so the
// audit sees an app exactly as `muster host` would. One the host refuses is still audited as far as
// it can be: a file that is not root's alone (which the host will not read, and which the audit
// reports itself, check-registration.ts) is parsed without that check, so its code, sockets and
// processes are checked too; every other reason for the refusal is kept as a problem to report.
import * as fs from 'node:fs';
import type { Accounts } from '../host/accounts';
import { Diagnostic, formatDiagnostic } from '../config/diagnostics';
import { Registration, loadRegistrations, parseRegistration, untrustedFileProblem } from '../host/registration';

export interface AppRegistration {
  readonly app: string;
  readonly file: string;
  /** null: not even the audit could read it; only the checks that need no registration run. */
  readonly registration: Registration | null;
  /** Why the host tier refuses the app (besides who may write the file). */
  readonly problems: readonly Diagnostic[];
  /** muster host starts it (so its folders and control socket should be there). */
  readonly hostAccepts: boolean;
}

export type RegistrationsRead = { readonly ok: true; readonly apps: readonly AppRegistration[] } | { readonly ok: false; readonly problem: string };

export function readRegistrations(appsDir: string, runBase: string, accounts: Accounts): RegistrationsRead {
  const set = loadRegistrations(appsDir, { runBase, accounts });
  if (set.folderProblem !== null) return { ok: false, problem: set.folderProblem };
  const apps: AppRegistration[] = set.registrations.map((r) => ({ app: r.app, file: r.file, registration: r, problems: [], hostAccepts: true }));
  for (const refused of set.refused) {
    const trust = trustProblem(refused.file);
    const problems = refused.diagnostics.filter((d) => trust === null || d.message !== trust.message);
    let registration: Registration | null = null;
    const text = readText(refused.file);
    if (text !== null) {
      const parsed = parseRegistration(text, refused.file, refused.app, { runBase, accounts });
      if (parsed.ok) registration = parsed.registration;
      // Refused for who may write it, the host never got to the content: say what else is wrong.
      else if (trust !== null) problems.push(...parsed.diagnostics);
    }
    apps.push({ app: refused.app, file: refused.file, registration, problems, hostAccepts: false });
  }
  return { ok: true, apps: apps.sort((a, b) => (a.app < b.app ? -1 : a.app > b.app ? 1 : 0)) };
}

/** Who may write it: the audit reports that itself. A FIFO or a folder is no such problem (there
 * is nothing to read), so the host's refusal of it stays among the problems. Only stat here, and
 * readText reads regular files only: nothing opens a FIFO, which would block the audit. */
function trustProblem(file: string): Diagnostic | null {
  try {
    const stat = fs.statSync(file);
    return stat.isFile() ? untrustedFileProblem(file, stat) : null;
  } catch {
    return null;
  }
}

function readText(file: string): string | null {
  try {
    return fs.statSync(file).isFile() ? fs.readFileSync(file, 'utf8') : null;
  } catch {
    return null;
  }
}

/** One line: a finding's message has no room for a diagnostic's indented hint line. */
export function oneLine(d: Diagnostic): string {
  return formatDiagnostic({ ...d, hint: null });
}
