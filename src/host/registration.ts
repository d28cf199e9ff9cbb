// The host registrations: `<apps-dir>/NAME.toml`, one per app, root-owned. Reads the folder, checks
// that each file may be trusted (owned by root, writable by root only), parses and validates it
// (registration-parse.ts), and refuses an app whose sockets collide with an earlier one's. A bad
// registration refuses that app only: every problem is returned, the other apps go on.
// Used by `muster host` and `muster audit`.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostic, diagnostic } from '../config/diagnostics';
import { addressesOverlap, formatAddress } from '../config/sockets';
import { Accounts } from './accounts';
import { DEFAULT_RUN_BASE } from './host-paths';
import { parseRegistration, type RegistrationParse } from './registration-parse';
import type { HostSocket, Registration } from './registration-model';

export type { HostSocket, NamedId, Registration } from './registration-model';
export { APP_NAME, DEFAULT_UMASK, REGISTRATION_KEYS, appNameProblem, parseRegistration, type RegistrationContext, type RegistrationParse } from './registration-parse';

export interface RefusedRegistration {
  /** The file name without .toml (which may itself be the problem). */
  readonly app: string;
  readonly file: string;
  readonly diagnostics: readonly Diagnostic[];
}

export interface RegistrationSet {
  /** Valid ones, by app name. */
  readonly registrations: readonly Registration[];
  readonly refused: readonly RefusedRegistration[];
  /** Why the folder itself could not be read, or null. */
  readonly folderProblem: string | null;
}

export interface LoadOptions {
  readonly runBase?: string;
  /** Default: read /etc/passwd and /etc/group now. */
  readonly accounts?: Accounts;
  /** At a reload: is this exactly the registration the app runs with? Those keep their sockets
   * first; a changed one that wants a socket of theirs is the one refused. */
  readonly runsAsIs?: (registration: Registration) => boolean;
}

/** Every `*.toml` of `appsDir` (dot files are editors' and left out), sorted by name. */
export function loadRegistrations(appsDir: string, options: LoadOptions = {}): RegistrationSet {
  const context = { runBase: options.runBase ?? DEFAULT_RUN_BASE, accounts: options.accounts ?? Accounts.read() };
  let names: string[];
  try {
    names = fs.readdirSync(appsDir).filter((n) => n.endsWith('.toml') && !n.startsWith('.')).sort();
  } catch (error) {
    return { registrations: [], refused: [], folderProblem: `cannot read the registrations folder ${appsDir}: ${(error as Error).message}` };
  }
  const valid: Registration[] = [];
  const refused: RefusedRegistration[] = [];
  // A folder others may write lets them add or swap registrations: then none is trusted.
  const untrustedFolder = folderTrustProblem(appsDir);
  for (const name of names) {
    const file = path.join(path.resolve(appsDir), name);
    const app = name.slice(0, -'.toml'.length);
    const read: RegistrationParse = untrustedFolder !== null ? { ok: false, diagnostics: [diagnostic(file, 0, 0, `${untrustedFolder}; the app is not started`, 'chown root:root FOLDER; chmod go-w FOLDER (for each folder named)')] } : readRegistration(file, app, context);
    if (read.ok) valid.push(read.registration);
    else refused.push({ app, file, diagnostics: read.diagnostics });
  }
  // Two apps cannot hold the same socket: the one that runs with it as it is keeps it, else the
  // earlier by name.
  const runsAsIs = options.runsAsIs ?? (() => false);
  const registrations: Registration[] = [];
  for (const candidate of [...valid.filter(runsAsIs), ...valid.filter((r) => !runsAsIs(r))]) {
    const clash = socketClash(candidate, registrations);
    if (clash !== null) refused.push({ app: candidate.app, file: candidate.file, diagnostics: [clash] });
    else registrations.push(candidate);
  }
  const byName = (a: { app: string }, b: { app: string }) => a.app.localeCompare(b.app);
  return { registrations: registrations.sort(byName), refused: refused.sort(byName), folderProblem: null };
}

/** One registration file: trusted only when root owns it and nobody else may write it. */
export function readRegistration(file: string, app: string, context: { runBase: string; accounts: Accounts }): RegistrationParse {
  let fd: number;
  try {
    // O_NOFOLLOW: a link would make the registration whatever the owner of its target's folder wants.
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK | fs.constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ELOOP') {
      return { ok: false, diagnostics: [diagnostic(file, 0, 0, `${file} is a symbolic link; the app is not started (a link is only as safe as every folder on its target's path)`, `replace it with the file itself: cp --remove-destination "$(readlink -f ${file})" ${file}`)] };
    }
    return { ok: false, diagnostics: [diagnostic(file, 0, 0, `cannot read ${file}: ${(error as Error).message}`, 'make it a file root can read')] };
  }
  try {
    // The checks and the read go through one open file, so what was checked is what is read.
    const problem = untrustedFileProblem(file, fs.fstatSync(fd));
    if (problem !== null) return { ok: false, diagnostics: [problem] };
    return parseRegistration(fs.readFileSync(fd, 'utf8'), file, app, context);
  } finally {
    fs.closeSync(fd);
  }
}

/** The registrations folder and every folder above it: root's, and writable by nobody else (a
 * sticky folder above, like /tmp, is fine: others cannot rename or remove root's entries in it).
 * Null when trusted, else why not. */
export function folderTrustProblem(appsDir: string): string | null {
  let folder: string;
  try {
    folder = fs.realpathSync(appsDir);
  } catch {
    return null; // unreadable: readdir already said so
  }
  let current = folder;
  let what = `the registrations folder ${folder}`;
  for (;;) {
    const stat = fs.statSync(current);
    if (stat.uid !== 0) return `${what} is owned by uid ${stat.uid}, not root`;
    const sticky = (stat.mode & 0o1000) !== 0 && current !== folder;
    if ((stat.mode & 0o022) !== 0 && !sticky) {
      return `${what} is writable by ${stat.mode & 0o002 ? 'everyone' : 'its group'} (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')})`;
    }
    const parent = path.dirname(current);
    if (parent === current) return null;
    current = parent;
    what = `${current}, a folder above the registrations,`;
  }
}

/** A registration decides who an app runs as: anyone who may write it could choose root's powers. */
export function untrustedFileProblem(file: string, stat: fs.Stats): Diagnostic | null {
  if (!stat.isFile()) return diagnostic(file, 0, 0, `${file} is not a regular file; the app is not started`, 'make it a plain text file');
  if (stat.uid !== 0) {
    return diagnostic(file, 0, 0, `${file} is owned by uid ${stat.uid}, not root; the app is not started (whoever owns a registration could choose what it runs as)`,
      `chown root:root ${file}`);
  }
  const writable = [stat.mode & 0o020 ? 'its group' : null, stat.mode & 0o002 ? 'everyone' : null].filter((w) => w !== null);
  if (writable.length > 0) {
    return diagnostic(file, 0, 0, `${file} is writable by ${writable.join(' and ')} (mode ${(stat.mode & 0o7777).toString(8).padStart(4, '0')}); the app is not started (only root may write a registration)`,
      `chmod go-w ${file}`);
  }
  return null;
}

/** The first socket of `candidate` that an accepted registration already has, as a problem. */
function socketClash(candidate: Registration, accepted: readonly Registration[]): Diagnostic | null {
  for (const other of accepted) {
    const shared = sharedSocket(candidate, other);
    if (shared === null) continue;
    return diagnostic(candidate.file, 0, 0,
      `[socket.${shared.mine.config.name}] (${endpoint(shared.mine)}) is also [socket.${shared.theirs.config.name}] of app ${other.app} (${other.file}); the app is not started`,
      'give each app its own socket paths and addresses');
  }
  return null;
}

/** A socket both registrations name (the same path, or addresses that overlap), or null. */
export function sharedSocket(mine: Registration, other: Registration): { mine: HostSocket; theirs: HostSocket } | null {
  for (const socket of mine.sockets) {
    const theirs = other.sockets.find((s) => sameEndpoint(s, socket));
    if (theirs !== undefined) return { mine: socket, theirs };
  }
  return null;
}

function sameEndpoint(a: HostSocket, b: HostSocket): boolean {
  if (a.config.kind === 'unix' && b.config.kind === 'unix') return a.config.path === b.config.path;
  if (a.config.kind === 'tcp' && b.config.kind === 'tcp') return addressesOverlap(a.config, b.config);
  return false;
}

function endpoint(s: HostSocket): string {
  return s.config.kind === 'unix' ? s.config.path : formatAddress(s.config);
}
