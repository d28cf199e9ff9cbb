// The documented exit codes of every muster command (README, docs/control.md), and the error that
// means "usage error" to the client commands.
export const EXIT = {
  /** Done. */
  ok: 0,
  /** The operation failed: an action's `ok` was false, a wait timed out, the supervisor failed. */
  failed: 1,
  /** Usage or config error: a bad option, an unknown name, a bad signal, an invalid config. */
  usage: 2,
  /** No supervisor is running for this app (no control socket, or nobody listening on it). */
  noSupervisor: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A bad command line: run.ts prints the message and the command's usage, and exits 2. */
export class UsageError extends Error {}
