// How the host tier starts one app's tier (docs/host-contract.md, "How the host tier starts an app
// tier"): the argv, the environment and the fd names, as data. Pure: the runner (tier-runner.ts)
// spawns exactly this, and the unit tests check it without a root shell.
//
// Why each layer of the argv:
//   sh      sets LISTEN_PID to its own pid, then execs: prlimit and setpriv exec in place too, so
//           the pid is still node's when it reads LISTEN_PID (uwsgi/gunicorn need it right).
//   prlimit sets the limits while still root, so a hard limit may be raised as well as lowered.
//   setpriv drops to the app user with initgroups (Node's spawn({uid,gid}) would drop every
//           supplementary group: FIELD-NOTES §5), no new privileges, no capabilities at all.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CONTROL_SOCKET_NAME, type AppFolders } from './host-paths';
import { NOFILE_SOFT_ENV } from '../os/nofile';
import { prlimitOptions } from './limits';
import type { Registration } from './registration-model';

export const LISTEN_SHELL = '/bin/sh';
const LISTEN_SCRIPT = 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"';
export const PRLIMIT = '/usr/bin/prlimit';
export const SETPRIV = '/usr/bin/setpriv';
/** The app tier's PATH: never root's (which may hold /usr/local/sbin, /root/bin...). */
export const TIER_PATH = '/usr/local/bin:/usr/bin:/bin';

export interface TierLaunch {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly cwd: string;
  readonly umask: number;
  /** LISTEN_FDNAMES in order: fd 3 is the control socket, fd 4.. the registration's sockets. */
  readonly fdNames: readonly string[];
}

export interface LaunchInputs {
  readonly registration: Registration;
  readonly folders: AppFolders;
  /** Where `up -C` points: <root>/current when it exists, else <root> (appDir() decides). */
  readonly appDir: string;
  /** The node binary and the CLI entry point (process.execPath, build/src/cli/main.js). */
  readonly node: string;
  readonly mainJs: string;
  /** The host's own environment: only the registration's pass_env names are read from it. */
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
}

export function tierLaunch(inputs: LaunchInputs): TierLaunch {
  const r = inputs.registration;
  const fdNames = [CONTROL_SOCKET_NAME, ...r.sockets.map((s) => s.config.name)];
  const args = [
    '-c', LISTEN_SCRIPT, 'sh',
    PRLIMIT, ...prlimitOptions(r.limits), '--',
    SETPRIV, '--reuid', String(r.user.uid), '--regid', String(r.group.id), '--init-groups',
    '--no-new-privs', '--inh-caps=-all', '--bounding-set=-all', '--',
    inputs.node, inputs.mainJs, 'up', '-C', inputs.appDir,
  ];
  return { file: LISTEN_SHELL, args, env: tierEnv(inputs, fdNames), cwd: inputs.appDir, umask: r.umask, fdNames };
}

/** Only what the contract lists: nothing of root's environment leaks unless pass_env names it. */
export function tierEnv(inputs: LaunchInputs, fdNames: readonly string[]): Record<string, string> {
  const { registration: r, folders } = inputs;
  const env: Record<string, string> = {};
  for (const name of r.passEnv) {
    const value = inputs.hostEnv[name];
    if (value !== undefined) env[name] = value;
  }
  // Set after pass_env: a registration cannot make HOME or MUSTER_* root's values by passing them.
  Object.assign(env, {
    HOME: r.user.home,
    SHELL: r.user.shell,
    USER: r.user.name,
    LOGNAME: r.user.name,
    PATH: TIER_PATH,
    MUSTER_APP: r.app,
    MUSTER_STATE_DIR: folders.state,
    MUSTER_LOG_DIR: folders.logs,
    MUSTER_HOST: '1',
    LISTEN_FDS: String(fdNames.length),
    LISTEN_FDNAMES: fdNames.join(':'),
  });
  // node raises its soft nofile to the hard one as it starts; the app tier lowers it back (os/nofile.ts).
  const nofile = r.limits.find((l) => l.resource === 'nofile');
  if (nofile !== undefined) env[NOFILE_SOFT_ENV] = String(nofile.soft);
  return env;
}

/** <root>/current when it exists (a deploy symlink), else <root>. */
export function appDir(root: string, exists: (p: string) => boolean = fs.existsSync): string {
  const current = path.join(root, 'current');
  return exists(current) ? current : root;
}
