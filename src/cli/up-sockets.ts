// Where `muster up` gets its sockets. In development it makes them: the control socket (claimed
// as a lock, control/claim.ts) and the app config's [socket.NAME] (HeldSockets.open). Under a host
// tier (docs/host-contract.md) it inherits them all, by name, and makes none: the host made them
// with owners, groups and modes the app user could not give them.

import { CONTROL_SOCKET_NAME, readListenFds } from '../os/listen-fds';
import { HeldSockets, inspectInherited } from '../os/held-sockets';

export type UpSockets =
  | { readonly kind: 'own' }
  | {
      readonly kind: 'inherited';
      readonly control: { readonly fd: number; readonly where: string };
      readonly sockets: HeldSockets;
      /** The app's sockets by name (muster-control aside), for the config rules (config/host-sockets.ts). */
      readonly names: readonly string[];
    };

/** What the environment says; an error (exit 2: starting again will not help) when a host tier
 * meant to pass sockets and they are not usable. */
export function upSockets(environ: Readonly<Record<string, string | undefined>>, pid: number): { ok: true; value: UpSockets } | { ok: false; message: string } {
  const fds = readListenFds(environ, pid);
  if (fds.kind === 'invalid') return { ok: false, message: fds.message };
  if (fds.kind === 'none') {
    if (environ.MUSTER_HOST !== '1') return { ok: true, value: { kind: 'own' } };
    return { ok: false, message: `MUSTER_HOST=1 says the host tier started this app tier, but it passed no sockets: ${fds.why}` };
  }
  const control = inspectInherited(CONTROL_SOCKET_NAME, fds.control.fd);
  if (!control.ok) return control;
  const sockets = HeldSockets.inherit(fds.sockets);
  if (!sockets.ok) return sockets;
  return { ok: true, value: { kind: 'inherited', control: { fd: fds.control.fd, where: control.where }, sockets: sockets.sockets, names: fds.sockets.map((s) => s.name) } };
}
