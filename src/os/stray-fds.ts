// Open files muster was started with and never meant to pass on. Node marks inherited fds
// close-on-exec as it starts (libuv's uv_disable_stdio_inheritance), but only from fd 3 up to the
// first unused fd after 15: `exec 200</root/secret` in the shell that started `muster host` would
// leave fd 200 inheritable, and every spawn (the app tier, as the app's user; its processes) would
// get it. So muster closes, first thing, every fd >= 3 without O_CLOEXEC: Node's and libuv's own fds
// always have it, so the only ones without it are inherited ones, and only those the caller keeps
// (the sockets of LISTEN_FDS, a report pipe) are meant for us.
import * as fs from 'node:fs';

const O_CLOEXEC = 0o2000000;

/** Closes the fds >= 3 of this process that would be inherited by its children, except `keep`.
 * Returns the fds it closed. */
export function closeStrayFds(keep: ReadonlySet<number> = new Set(), proc = '/proc/self'): number[] {
  let names: string[];
  try {
    names = fs.readdirSync(`${proc}/fd`);
  } catch {
    return []; // no /proc: nothing we can do
  }
  const closed: number[] = [];
  for (const name of names) {
    const fd = Number(name);
    if (!Number.isInteger(fd) || fd < 3 || keep.has(fd)) continue;
    let flags: number;
    try {
      const match = /^flags:\s+([0-7]+)$/m.exec(fs.readFileSync(`${proc}/fdinfo/${fd}`, 'latin1'));
      if (match === null) continue;
      flags = parseInt(match[1]!, 8);
    } catch {
      continue; // the fd of readdir itself, closed meanwhile
    }
    if ((flags & O_CLOEXEC) !== 0) continue;
    try {
      fs.closeSync(fd);
      closed.push(fd);
    } catch {
      /* already closed */
    }
  }
  return closed;
}

