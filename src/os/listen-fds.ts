// The sockets a process was started with under systemd's socket-activation protocol
// (sd_listen_fds(3)): fds 3 onwards, LISTEN_FDS of them, named by LISTEN_FDNAMES, meant for the
// process whose pid is LISTEN_PID. The host tier starts the app tier this way, with the control
// socket first (docs/host-contract.md); so can a systemd unit with FileDescriptorName=.
//
// Node marks inherited fds close-on-exec as it starts (uv_disable_stdio_inheritance: 3 up to the
// first gap after 15, which covers these), and `muster up` closes any other inheritable one
// (stray-fds.ts), so these reach only the children muster passes them to, as it passes the sockets
// it makes itself.

/** The name of the inherited socket that is muster's own control socket. */
export const CONTROL_SOCKET_NAME = 'muster-control';
const FIRST_FD = 3;

export interface InheritedFd {
  readonly name: string;
  readonly fd: number;
}

export type ListenFds =
  /** `why`: LISTEN_* was there but not for us (for messages when a host tier should have passed some). */
  | { readonly kind: 'none'; readonly why: string }
  | { readonly kind: 'inherited'; readonly control: InheritedFd; readonly sockets: readonly InheritedFd[] }
  | { readonly kind: 'invalid'; readonly message: string };

export function readListenFds(environ: Readonly<Record<string, string | undefined>>, pid: number): ListenFds {
  const { LISTEN_PID: listenPid, LISTEN_FDS: count, LISTEN_FDNAMES: names } = environ;
  if (listenPid === undefined || count === undefined) return { kind: 'none', why: 'LISTEN_PID and LISTEN_FDS are not set' };
  // Set for another process (a parent that exported them): not ours to use.
  if (listenPid !== String(pid)) return { kind: 'none', why: `LISTEN_PID is ${listenPid}, not this process (pid ${pid}): the sockets were meant for another process` };
  if (!/^[1-9]\d{0,3}$/.test(count)) return { kind: 'invalid', message: `LISTEN_FDS must be a number of sockets, got ${JSON.stringify(count)}` };
  if (names === undefined) return { kind: 'invalid', message: `LISTEN_FDNAMES is not set: muster needs the sockets' names (${CONTROL_SOCKET_NAME}, then the app's)` };
  const list = names.split(':');
  if (list.length !== Number(count)) {
    return { kind: 'invalid', message: `LISTEN_FDNAMES names ${list.length} socket${list.length === 1 ? '' : 's'} (${names}) but LISTEN_FDS is ${count}` };
  }
  const fds = list.map((name, i) => ({ name, fd: FIRST_FD + i }));
  const twice = list.find((name, i) => list.indexOf(name) !== i);
  if (twice !== undefined) return { kind: 'invalid', message: `LISTEN_FDNAMES names ${JSON.stringify(twice)} twice (${names})` };
  const control = fds.find((f) => f.name === CONTROL_SOCKET_NAME);
  if (control === undefined) return { kind: 'invalid', message: `LISTEN_FDNAMES (${names}) has no ${CONTROL_SOCKET_NAME}: the control socket must be passed too` };
  return { kind: 'inherited', control, sockets: fds.filter((f) => f !== control) };
}
