// A registration once read and checked: who an app runs as, where its code is, and the sockets
// the host tier makes for it. Readonly; built by registration-parse.ts, never changed.
import type { SocketConfig } from '../config/model';
import type { UserAccount } from './accounts';
import type { ResourceLimit } from './limits';

/** A user or a group, by name and numeric id. */
export interface NamedId {
  readonly name: string;
  readonly id: number;
}

export interface HostSocket {
  /** A unix path is absolute (relative ones were resolved against the app's run folder). */
  readonly config: SocketConfig;
  /** The socket file's owner and group; null for a TCP socket. */
  readonly owner: NamedId | null;
  readonly group: NamedId | null;
}

export interface Registration {
  /** The file name without .toml. */
  readonly app: string;
  /** Absolute path of the registration file. */
  readonly file: string;
  readonly user: UserAccount;
  /** The app's group: `group`, else the user's primary group. */
  readonly group: NamedId;
  /** Who may use the app's control socket, besides its user; null: the app's group. */
  readonly operators: NamedId | null;
  /** The app folder; its config is read from <root>/current when that exists. */
  readonly root: string;
  readonly umask: number;
  /** Variables of the host's environment passed to the app tier when set. */
  readonly passEnv: readonly string[];
  readonly limits: readonly ResourceLimit[];
  /** In file order: fd 4 onwards. */
  readonly sockets: readonly HostSocket[];
}
