// What `muster audit` looks at and what it reports. The checks are pure functions from these facts
// to findings; gather.ts and proc.ts read them from the filesystem and /proc.

export type Severity = 'severe' | 'warning';

export type FindingKind =
  | 'writable-code' // the app's code or config can be changed by the app itself, or by anyone
  | 'registration' // the host registration (or its folder) can be changed by someone other than root
  | 'socket' // a socket reachable by more people than need it
  | 'readable-log' // log files or folders others can read
  | 'readable-env' // a .env file (secrets) others can read
  | 'readable-state' // the state folder others can list
  | 'process' // an app process with root, capabilities, or without no-new-privileges
  | 'login-shell' // the runtime user can log in
  | 'incomplete'; // something the audit could not look at (cut-off walk, unreadable file)

export interface Finding {
  readonly severity: Severity;
  readonly kind: FindingKind;
  /** A path, a socket path, "pid 123 (sleep 600)", "user appa". */
  readonly object: string;
  readonly message: string;
  /** A command to run, or the registration key to change. */
  readonly fix: string;
}

/** A registration's unix socket, as the socket check needs it (TCP ones have no file to audit). */
export interface AuditedSocket {
  readonly name: string;
  /** Absolute. */
  readonly path: string;
  /** The mode the registration gives it. */
  readonly mode: number;
}

/** The registrations folder and the host tier's bases (src/host/host-paths.ts); each app gets
 * `<base>/<app>` in each base. */
export interface AuditDirs {
  readonly apps: string;
  readonly run: string;
  readonly state: string;
  readonly log: string;
}

export type EntryType = 'dir' | 'file' | 'symlink' | 'socket' | 'other';

/** The part of a stat result the checks use. */
export interface FileFacts {
  readonly path: string;
  readonly type: EntryType;
  readonly uid: number;
  readonly gid: number;
  /** Permission bits with setuid, setgid and sticky: st_mode & 0o7777. */
  readonly mode: number;
}

/** One entry of a walked tree, in walk order: a folder comes before what it holds. */
export interface TreeEntry extends FileFacts {
  /** Index of the folder holding it in the same list; -1 for the top of the tree. */
  readonly parent: number;
}

export interface Walk {
  readonly top: string;
  readonly entries: readonly TreeEntry[];
  /** The walk stopped at its limit: entries below what was listed were not looked at. */
  readonly truncated: boolean;
  readonly limit: number;
}

/** Who the app's processes are to the kernel when it checks file access. */
export interface Principal {
  readonly user: string;
  readonly uid: number;
  /** Every group the processes hold (the registration's group, the user's primary group, its
   * supplementary groups), with its name for messages. */
  readonly groups: ReadonlyMap<number, string>;
}

/** What /proc/PID/status says about one process that has MUSTER_APP=<app> in its environment. */
export interface ProcessFacts {
  readonly pid: number;
  /** The command line, for people: "sleep 600". */
  readonly command: string;
  /** Real, effective, saved, filesystem. */
  readonly uids: readonly number[];
  readonly gids: readonly number[];
  readonly groups: readonly number[];
  /** null when the kernel does not say (older than 4.10). */
  readonly noNewPrivs: boolean | null;
  readonly capEff: bigint;
  readonly capPrm: bigint;
  readonly capAmb: bigint;
}

export const SEVERITY_ORDER: readonly Severity[] = ['severe', 'warning'];

/** Names of ids, for messages ("appa" rather than 1001); the id itself when unknown. */
export interface Names {
  userName(uid: number): string;
  groupName(gid: number): string;
}
