// What the host tier prepares for one app before its tier starts (as root): the run folder
// (root 0755: the app user cannot replace its sockets), the state and log folders (the app user's,
// 0750), the tier's log file, and the sockets: the control socket (fd 3) and the registration's
// (fd 4..), each made with its final mode and chowned before anyone gets it (socket-maker.ts).
import * as fs from 'node:fs';
import { HeldSockets } from '../os/held-sockets';
import type { SocketOwner } from '../os/socket-maker';
import type { SocketConfig } from '../config/model';
import { CONTROL_SOCKET_NAME, type AppFolders } from './host-paths';
import type { Registration } from './registration-model';

const CONTROL_BACKLOG = 128;

/** Create `dir` if needed and make it exactly owner:group mode. A symlink is refused: root must
 * not chown whatever it points at. */
export function ensureFolder(dir: string, uid: number, gid: number, mode: number): void {
  fs.mkdirSync(dir, { recursive: true, mode });
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory()) throw new Error(`${dir} is not a folder (${stat.isSymbolicLink() ? 'a symbolic link' : 'a file'}); move it away`);
  fs.chownSync(dir, uid, gid);
  fs.chmodSync(dir, mode);
}

/** The app's folders; returns what it had to move aside (for the host's log). */
export function prepareFolders(r: Registration, folders: AppFolders, now = Date.now()): string[] {
  ensureFolder(folders.run, 0, 0, 0o755);
  const moved = [folders.state, folders.logs].flatMap((dir) => moveAsideIfOthers(dir, r.user.uid, now));
  ensureFolder(folders.state, r.user.uid, r.group.id, 0o750);
  ensureFolder(folders.logs, r.user.uid, r.group.id, 0o750);
  return moved;
}

/** STATE or LOGS of another user (the registration's user changed): chowning the folder would
 * leave that user's files, links and writable subfolders inside the new user's folder. It is
 * renamed to DIR.previous-UID-TIME, made root's and 0700 (nobody else reaches in through it), and
 * the app gets a fresh folder. */
function moveAsideIfOthers(dir: string, uid: number, now: number): string[] {
  let stat: fs.Stats;
  try {
    stat = fs.lstatSync(dir);
  } catch {
    return [];
  }
  if (!stat.isDirectory() || stat.uid === uid || stat.uid === 0) return [];
  const aside = `${dir}.previous-${stat.uid}-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
  fs.renameSync(dir, aside);
  fs.chownSync(aside, 0, 0);
  fs.chmodSync(aside, 0o700);
  return [`${dir} belonged to uid ${stat.uid}, not ${uid}: moved to ${aside} (root's, 0700)`];
}

/** LOGS/muster.log opened for appending, the app user's, 0640; the fd goes to the tier as stdout and
 * stderr. LOGS is the app user's folder, so what is there may be planted: O_NOFOLLOW refuses a
 * symlink, and a file with another link (a hard link to /etc/shadow) is refused before the chown. */
export function openTierLog(r: Registration, file: string): number {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK, 0o640);
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.nlink !== 1) throw new Error(`${file} is not a plain file with one link; move it away`);
    fs.fchownSync(fd, r.user.uid, r.group.id);
    fs.fchmodSync(fd, 0o640);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    throw error;
  }
}

/** The control socket and the registration's sockets, in fd order. */
export function socketPlan(r: Registration, folders: AppFolders): { configs: SocketConfig[]; owners: Map<string, SocketOwner> } {
  const control: SocketConfig = { name: CONTROL_SOCKET_NAME, kind: 'unix', path: folders.controlSocket, mode: 0o660, backlog: CONTROL_BACKLOG };
  const owners = new Map<string, SocketOwner>([[CONTROL_SOCKET_NAME, { uid: r.user.uid, gid: (r.operators ?? r.group).id }]]);
  for (const s of r.sockets) {
    if (s.config.kind === 'unix') owners.set(s.config.name, { uid: s.owner?.id ?? r.user.uid, gid: s.group?.id ?? r.group.id });
  }
  return { configs: [control, ...r.sockets.map((s) => s.config)], owners };
}

/** Make every socket of the app, or none (the problem, for that app only). */
export async function openAppSockets(r: Registration, folders: AppFolders): Promise<{ ok: true; sockets: HeldSockets } | { ok: false; message: string }> {
  const { configs, owners } = socketPlan(r, folders);
  // The helper gets a bare environment: it needs nothing of the host's.
  return HeldSockets.open(configs, { PATH: '/usr/bin:/bin' }, owners);
}
