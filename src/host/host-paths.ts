// Where the host tier keeps things: one run, state and log folder per app under three bases, and
// its own status socket. Defaults follow the FHS; every base can be moved (tests use temp folders).
import * as path from 'node:path';

export const DEFAULT_APPS_DIR = '/etc/muster/apps';
export const DEFAULT_RUN_BASE = '/run/muster';
export const DEFAULT_STATE_BASE = '/var/lib/muster';
export const DEFAULT_LOG_BASE = '/var/log/muster';

/** The app tier's control socket's name in LISTEN_FDNAMES (fd 3): one name for both tiers. */
export { CONTROL_SOCKET_NAME } from '../os/listen-fds';

export interface HostBases {
  readonly runBase: string;
  readonly stateBase: string;
  readonly logBase: string;
}

export interface AppFolders {
  /** Root-owned, 0755: the control socket and (by default) the app's sockets. */
  readonly run: string;
  /** The app user's, 0750: what the app tier writes (MUSTER_STATE_DIR). */
  readonly state: string;
  /** The app user's, 0750: the processes' logs (MUSTER_LOG_DIR) and the tier's own muster.log. */
  readonly logs: string;
  readonly controlSocket: string;
  /** The app tier's stdout and stderr. */
  readonly tierLog: string;
}

export function runFolder(runBase: string, app: string): string {
  return path.join(runBase, app);
}

export function controlSocketFile(runBase: string, app: string): string {
  return path.join(runFolder(runBase, app), 'control.sock');
}

export function appFolders(bases: HostBases, app: string): AppFolders {
  const logs = path.join(bases.logBase, app);
  return {
    run: runFolder(bases.runBase, app),
    state: path.join(bases.stateBase, app),
    logs,
    controlSocket: controlSocketFile(bases.runBase, app),
    tierLog: path.join(logs, 'muster.log'),
  };
}

/** The host tier's own API (root:root 0600), for `muster host status`. */
export function hostSocketFile(runBase: string): string {
  return path.join(runBase, 'host.sock');
}

/** The host's lock on its state base (host-lock.ts): one host per state folder. */
export function hostPidFile(stateBase: string): string {
  return path.join(stateBase, 'host.pid');
}
