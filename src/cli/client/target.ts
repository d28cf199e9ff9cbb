// Which supervisor a control command talks to. Under a host tier every app's tier serves its
// control socket at `<run-base>/NAME/control.sock` (docs/host-contract.md), named with `--app NAME`
// or MUSTER_APP; in development, the supervisor of the app folder (-C DIR, default the current
// folder) at `<state dir>/control.sock`. An explicit -C beats MUSTER_APP (a variable left in the
// environment must not redirect a command that names its folder); -C with --app is ambiguous.

import * as path from 'node:path';
import { appPaths } from '../app-paths';
import { UsageError } from './exit-codes';

/** Where the host tier puts each app's run folder unless MUSTER_RUN_DIR says otherwise. */
export const DEFAULT_RUN_DIR = '/run/muster';
/** The registration file's name rule (docs/host-contract.md). */
const APP_NAME = /^[a-z][a-z0-9_-]*$/;

export type ControlTarget =
  | { readonly kind: 'app'; readonly app: string; readonly socketPath: string }
  | { readonly kind: 'folder'; readonly dir: string; readonly socketPath: string; readonly pidFile: string };

export interface TargetInput {
  /** The app folder, absolute. */
  readonly dir: string;
  /** Whether -C was given. */
  readonly dirGiven: boolean;
  /** The --app option. */
  readonly app: string | undefined;
  readonly environ: Readonly<Record<string, string | undefined>>;
}

export function controlTarget(input: TargetInput): ControlTarget {
  if (input.app !== undefined && input.dirGiven) {
    throw new UsageError('give either --app NAME (an app run by the host tier) or -C DIR (an app folder), not both');
  }
  const fromEnviron = input.dirGiven ? undefined : input.environ.MUSTER_APP || undefined;
  const app = input.app ?? fromEnviron;
  if (app === undefined) {
    const paths = appPaths(input.dir, input.environ);
    return { kind: 'folder', dir: input.dir, socketPath: paths.controlSocket, pidFile: paths.pidFile };
  }
  if (!APP_NAME.test(app)) {
    const source = input.app !== undefined ? '--app' : 'MUSTER_APP';
    throw new UsageError(`${source} takes an app name (a lowercase letter, then lowercase letters, digits, "_" or "-"), got ${JSON.stringify(app)}`);
  }
  const runBase = path.resolve(input.environ.MUSTER_RUN_DIR || DEFAULT_RUN_DIR);
  return { kind: 'app', app, socketPath: path.join(runBase, app, 'control.sock') };
}
