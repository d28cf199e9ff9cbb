// What every client command gets: where the app is, the client of its control socket, the parsed
// options, and where to write. Commands return an exit code; they throw UsageError (exit-codes.ts)
// for a bad command line, and let ApiError and ConnectError through to run.ts, which maps them to
// exit codes.

import type { ControlClient } from './control-client';
import { UsageError } from './exit-codes';
import type { ControlTarget } from './target';

export interface ClientOptions {
  readonly json: boolean;
  readonly follow: boolean;
  readonly lines: string | undefined;
  readonly since: string | undefined;
  readonly dryRun: boolean;
  readonly for: string | undefined;
  readonly timeout: string | undefined;
  readonly withDependents: boolean;
  readonly noWait: boolean;
}

export interface ClientContext {
  /** The command as typed: `restart`, `logs`... */
  readonly command: string;
  /** The arguments after the command (names, a signal). */
  readonly args: readonly string[];
  readonly options: ClientOptions;
  /** The app folder, absolute. */
  readonly dir: string;
  /** The supervisor spoken to: a named app's tier (--app) or an app folder's. */
  readonly target: ControlTarget;
  readonly client: ControlClient;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly environ: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colours, unless NO_COLOR); a function so that only the
   * commands that colour pay for finding out. */
  readonly stdoutIsTTY: () => boolean;
}

export interface ClientCommand {
  /** `muster restart NAME... [--with-dependents] [--no-wait] [--json]`: shown after a usage error. */
  readonly usage: string;
  run(context: ClientContext): Promise<number>;
}

/** Actions need names (the API refuses an empty list too, but the command line can say it better). */
export function requireNames(context: ClientContext, names: readonly string[]): readonly string[] {
  if (names.length === 0) throw new UsageError(`${context.command} needs at least one process or instance name (or "all")`);
  return names;
}
