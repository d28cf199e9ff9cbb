// Who listens on a unix socket path, from /proc. The kernel keeps the path a socket was bound to
// for as long as the socket lives, even once the file is gone: after `rm -rf .muster` a running
// supervisor still shows in /proc/net/unix as listening on `.muster/control.sock`, which is how a
// newcomer finds it (control/claim.ts). Only processes we may read are seen (root: every one).

import * as fs from 'node:fs';

/** __SO_ACCEPTCON in /proc/net/unix's Flags: the socket listens. */
const UNIX_LISTENING = 0x10000;

/** Inodes of the listening unix sockets whose bound path `matches`. */
export function unixListeners(matches: (boundPath: string) => boolean): Set<number> {
  const found = new Set<number>();
  let text: string;
  try {
    text = fs.readFileSync('/proc/net/unix', 'latin1');
  } catch {
    return found;
  }
  for (const line of text.split('\n').slice(1)) {
    // Num RefCount Protocol Flags Type St Inode Path (the path is the rest of the line: it may hold spaces)
    const m = /^\s*\S+\s+\S+\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(\d+)\s(.+)$/.exec(line);
    if (m === null || (parseInt(m[1]!, 16) & UNIX_LISTENING) === 0) continue;
    if (matches(m[3]!)) found.add(Number(m[2]));
  }
  return found;
}

/** Pids holding an fd on any of these socket inodes (other than `exceptPid`), ascending. */
export function socketHolders(inodes: ReadonlySet<number>, exceptPid: number): number[] {
  const holders: number[] = [];
  if (inodes.size === 0) return holders;
  for (const name of fs.readdirSync('/proc')) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57 || Number(name) === exceptPid) continue;
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${name}/fd`);
    } catch {
      continue; // gone, or not ours to read
    }
    for (const fd of fds) {
      let link: string;
      try {
        link = fs.readlinkSync(`/proc/${name}/fd/${fd}`);
      } catch {
        continue;
      }
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m !== null && inodes.has(Number(m[1]))) {
        holders.push(Number(name));
        break;
      }
    }
  }
  return holders.sort((a, b) => a - b);
}
