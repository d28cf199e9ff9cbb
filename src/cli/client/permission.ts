// Why connecting to a control socket was refused (EACCES), in words an operator can act on. Under a
// host tier the socket is `app-user:operators 0660`: whoever is not in the operators group is
// refused, and the fix is root's `usermod -aG`. A user added after logging in is not in the group
// until the next login, although /etc/group already lists them: that case gets its own advice.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface Caller {
  readonly user: string;
  /** Every group of this process: effective and supplementary. */
  readonly gids: readonly number[];
}

export interface SocketOwner {
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

/** The group's name and listed members, from /etc/group's text; null when the gid is not there. */
export function groupEntry(groupFile: string, gid: number): { readonly name: string; readonly members: readonly string[] } | null {
  for (const line of groupFile.split('\n')) {
    const [name, , id, members] = line.split(':');
    if (name && id !== undefined && Number(id) === gid && id.trim() !== '') {
      return { name, members: (members ?? '').split(',').map((m) => m.trim()).filter(Boolean) };
    }
  }
  return null;
}

/** `socket` is the socket file's stat, or the error that kept us from reading it; `ownerGid` the
 * primary group of the socket's owner (the app's user), when known. */
export function permissionDeniedMessage(socketPath: string, socket: SocketOwner | Error, caller: Caller, groupFile: string, ownerGid: number | null = null): string {
  const head = `muster: permission denied on ${socketPath}`;
  if (socket instanceof Error) return `${head}: its folder ${path.dirname(socketPath)} is closed to you (${socket.message})`;
  const entry = groupEntry(groupFile, socket.gid);
  const group = entry?.name ?? String(socket.gid);
  if (caller.gids.includes(socket.gid)) {
    return `${head}: you are in its group "${group}", but its mode is ${(socket.mode & 0o777).toString(8).padStart(4, '0')} (the host tier makes it 0660)`;
  }
  if (entry?.members.includes(caller.user)) {
    return `${head}: you were added to group "${group}" after this session began; log in again (or run: newgrp ${group})`;
  }
  // No operators group registered: the socket's group is the app's own, which also opens its logs
  // and state folders. A group of its own for operators gives them the control socket only.
  if (ownerGid !== null && socket.gid === ownerGid) {
    return `${head}: you are not in group "${group}", the app's own group (it also opens the app's logs and state); ` +
      `ask root to set operators = "${group}-ops" in the app's registration and add you to that group (usermod -aG ${group}-ops ${caller.user})`;
  }
  return `${head}: you are not in group "${group}" (ask root to add you: usermod -aG ${group} ${caller.user})`;
}

/** The same, reading the socket, the caller and /etc/group from the system. */
export function explainPermissionDenied(socketPath: string, environ: Readonly<Record<string, string | undefined>>): string {
  let socket: SocketOwner | Error;
  try {
    socket = fs.statSync(socketPath);
  } catch (error) {
    socket = error as Error;
  }
  let groupFile = '';
  try {
    groupFile = fs.readFileSync('/etc/group', 'utf8');
  } catch {
    /* no names then: the gid is shown */
  }
  const gids = [...new Set([process.getegid!(), ...process.getgroups!()])];
  return permissionDeniedMessage(socketPath, socket, { user: userName(environ), gids }, groupFile, socket instanceof Error ? null : primaryGid(socket.uid));
}

/** The primary gid of `uid` from /etc/passwd; null when not there. */
function primaryGid(uid: number): number | null {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const [, , id, gid] = line.split(':');
      if (id !== undefined && id !== '' && Number(id) === uid && gid !== undefined && gid !== '') return Number(gid);
    }
  } catch {
    /* no passwd: the general advice */
  }
  return null;
}

function userName(environ: Readonly<Record<string, string | undefined>>): string {
  try {
    return os.userInfo().username;
  } catch {
    // No passwd entry (a container's arbitrary uid): what the environment says, or the number.
    return environ.USER || String(process.geteuid!());
  }
}
