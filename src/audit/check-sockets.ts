// Check 3: a socket lets whoever can connect to it talk to the app (a registration socket) or
// control it (the control socket: stop, restart, read logs). Only who needs it may connect:
// connecting to a unix socket needs write permission on it, and search permission on its folders.
import * as path from 'node:path';
import { isSticky, octal } from './access';
import { AuditedSocket, EntryType, FileFacts, Finding, Names } from './model';

export interface ExpectedGroup {
  readonly gid: number;
  readonly name: string;
  /** Where it comes from, for messages: 'the operators group', "the app's group". */
  readonly from: string;
}

export interface SocketFacts {
  readonly registration: string;
  readonly control: { readonly path: string; readonly facts: FileFacts | null; readonly group: ExpectedGroup | null };
  readonly sockets: readonly { readonly socket: AuditedSocket; readonly facts: FileFacts | null; readonly group: ExpectedGroup | null }[];
  /** <run-dir>/<app>: where the host tier puts the control socket and relative socket paths. */
  readonly runFolder: string;
  /** The folders the sockets are in, each once. */
  readonly folders: readonly FileFacts[];
}

/** Folders shared by the whole system: the advice is never to change them (`chmod go-w /tmp`
 * breaks the machine), but to move the socket out of them. */
export const SYSTEM_FOLDERS: ReadonlySet<string> = new Set([
  '/', '/tmp', '/var/tmp', '/dev', '/dev/shm', '/dev/mqueue', '/run', '/run/lock', '/run/user', '/var/run', '/var/lock',
  '/var', '/etc', '/usr', '/home', '/opt', '/srv', '/mnt', '/media',
]);

export const CONTROL_MODE = 0o660;

export function checkSockets(facts: SocketFacts, names: Names): Finding[] {
  const findings: Finding[] = [];
  const { control } = facts;
  if (control.facts !== null) {
    // Mode and group mean nothing on what is not a socket: say what it is instead.
    findings.push(...(control.facts.type === 'socket' ? controlProblems(control.facts, control.group, facts.registration, names) : [notASocket(control.facts)]));
  }
  for (const { socket, facts: f, group } of facts.sockets) {
    if (f !== null) findings.push(...(f.type === 'socket' ? socketProblems(f, socket, group, facts.registration, names) : [notASocket(f)]));
  }
  for (const folder of facts.folders) {
    if ((folder.mode & 0o022) === 0) continue;
    const by = (folder.mode & 0o002) !== 0 ? 'everyone' : `group ${names.groupName(folder.gid)}`;
    findings.push({
      severity: isSticky(folder) ? 'warning' : 'severe',
      kind: 'socket',
      object: folder.path,
      message: `socket folder writable by ${by} (mode ${octal(folder.mode)}): ` +
        (isSticky(folder)
          ? 'the sticky bit keeps others from replacing the sockets, but not from taking their names while the host tier is down'
          : 'they can replace a socket with their own and receive what clients send'),
      fix: folderFix(folder, facts),
    });
  }
  return findings;
}

/** A folder the app's sockets should not be in is not ours to change: a sticky or system folder
 * (/tmp) is shared by design, and one everyone may write is someone else's business. The socket
 * moves into the app's run folder instead; only a folder of the app's own gets `chmod go-w`. */
function folderFix(folder: FileFacts, facts: SocketFacts): string {
  const shared = isSticky(folder) || SYSTEM_FOLDERS.has(folder.path) || (folder.mode & 0o002) !== 0;
  if (!shared || folder.path === facts.runFolder) return `chmod go-w ${folder.path}`;
  const inFolder = facts.sockets.filter((s) => path.dirname(s.socket.path) === folder.path);
  if (inFolder.length === 0) return `give the app a run folder of its own: muster host --run-dir DIR (not ${folder.path})`;
  return inFolder.map(({ socket }) =>
    `move the socket into the app's run folder: path = "${path.basename(socket.path)}" in [socket.${socket.name}] in ${facts.registration}`).join('; ');
}

const TYPE_WORDS: Record<EntryType, string> = { file: 'a regular file', dir: 'a folder', symlink: 'a symbolic link', socket: 'a socket', other: 'a FIFO or device' };

/** The host tier replaces only a stale socket; anything else at the path stops the app. */
function notASocket(f: FileFacts): Finding {
  return {
    severity: 'warning',
    kind: 'socket',
    object: f.path,
    message: `${f.path} is not a socket (${TYPE_WORDS[f.type]}): the host tier refuses to start the app`,
    fix: `remove it (rm ${f.type === 'dir' ? '-r ' : ''}${f.path}) if nothing needs it`,
  };
}

function othersFinding(f: FileFacts, what: string, fix: string): Finding {
  return {
    severity: 'severe',
    kind: 'socket',
    object: f.path,
    message: `${what} gives others access (mode ${octal(f.mode)}): any local user can connect`,
    fix,
  };
}

function controlProblems(f: FileFacts, group: ExpectedGroup | null, registration: string, names: Names): Finding[] {
  const found: Finding[] = [];
  const hostNote = `(the host tier makes it ${group?.name ?? '<group>'} 0660 when it starts the app)`;
  if ((f.mode & 0o007) !== 0) found.push(othersFinding(f, 'control socket', `chmod o-rwx ${f.path} ${hostNote}`));
  if (group !== null && f.gid !== group.gid) {
    const groupCanConnect = (f.mode & 0o020) !== 0;
    found.push({
      severity: groupCanConnect ? 'severe' : 'warning',
      kind: 'socket',
      object: f.path,
      message: `control socket's group is ${names.groupName(f.gid)}, not ${group.name} (${group.from})` +
        (groupCanConnect ? `: members of ${names.groupName(f.gid)} can stop and restart the app` : ''),
      fix: `chgrp ${group.name} ${f.path}, or set operators in ${registration} ${hostNote}`,
    });
  } else if ((f.mode & 0o777) !== CONTROL_MODE && (f.mode & 0o007) === 0) {
    found.push({
      severity: 'warning',
      kind: 'socket',
      object: f.path,
      message: `control socket has mode ${octal(f.mode)}, not 0660: ${(f.mode & 0o020) === 0 ? 'operators cannot connect' : 'it differs from what the host tier makes'}`,
      fix: `chmod 0660 ${f.path} ${hostNote}`,
    });
  }
  return found;
}

function socketProblems(f: FileFacts, socket: AuditedSocket, group: ExpectedGroup | null, registration: string, names: Names): Finding[] {
  const found: Finding[] = [];
  const key = `[socket.${socket.name}] in ${registration}`;
  if ((f.mode & 0o007) !== 0) {
    const declared = (socket.mode & 0o007) !== 0 ? ` (mode = "${octal(socket.mode)}" there)` : ' (restart the app through muster host to recreate it)';
    found.push(othersFinding(f, `socket ${socket.name}`, `set mode = "0660" in ${key}${declared}; now: chmod o-rwx ${f.path}`));
  }
  if (group !== null && f.gid !== group.gid && (f.mode & 0o060) !== 0) {
    found.push({
      severity: 'severe',
      kind: 'socket',
      object: f.path,
      message: `socket ${socket.name}'s group is ${names.groupName(f.gid)}, not ${group.name} (${group.from}): members of ${names.groupName(f.gid)} can connect`,
      fix: `chgrp ${group.name} ${f.path} (group in ${key} decides it when the host tier makes it)`,
    });
  }
  const extra = f.mode & 0o770 & ~socket.mode;
  if (extra !== 0) {
    found.push({
      severity: 'warning',
      kind: 'socket',
      object: f.path,
      message: `socket ${socket.name} has mode ${octal(f.mode & 0o777)}, more open than the registration's "${octal(socket.mode)}"`,
      fix: `chmod ${octal(socket.mode)} ${f.path}`,
    });
  }
  return found;
}
