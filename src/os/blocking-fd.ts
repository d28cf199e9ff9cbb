// Listening sockets reach the app's processes in blocking mode, as systemd hands them over: a
// server that accepts in the plain blocking way (Python's `socket.socket(fileno=3).accept()`) would
// otherwise get EAGAIN and die. libuv made them non-blocking (O_NONBLOCK is a flag of the open
// file, shared by every process holding the socket), and Node has no fcntl(2). libuv's spawn
// clears O_NONBLOCK on a child's fds 0-2 before exec (deps/uv/src/unix/process.c), so `true` given
// the socket as its stdin clears it for everyone. Only for sockets nothing in this process does
// I/O on: muster holds them and never accepts.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

const O_NONBLOCK = 0o4000;

/** Whether `fd` (an fd of this process) is non-blocking; null when /proc cannot tell. */
export function isNonBlocking(fd: number): boolean | null {
  try {
    const flags = /^flags:\s*([0-7]+)$/m.exec(fs.readFileSync(`/proc/self/fdinfo/${fd}`, 'latin1'))?.[1];
    return flags === undefined ? null : (parseInt(flags, 8) & O_NONBLOCK) !== 0;
  } catch {
    return null;
  }
}

/** Clears O_NONBLOCK on each fd; returns the fds it could not make blocking. */
export function makeBlocking(fds: readonly number[]): number[] {
  const failed: number[] = [];
  for (const fd of fds) {
    if (isNonBlocking(fd) === false) continue;
    spawnSync('/bin/true', [], { stdio: [fd, 'ignore', 'ignore'], env: {} });
    if (isNonBlocking(fd) !== false) failed.push(fd);
  }
  return failed;
}
