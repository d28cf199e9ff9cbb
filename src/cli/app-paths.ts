// Where muster keeps an app's runtime files. In development, all under `.muster/` in the app
// folder. Under a host tier (docs/host-contract.md) the app user may not be able to write in the
// app folder, and must not need to: MUSTER_STATE_DIR replaces `.muster` and MUSTER_LOG_DIR
// replaces `.muster/logs`. The clients read the same variables, so they find the same socket.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AppPaths {
  /** The state folder: `.muster`, or MUSTER_STATE_DIR. */
  readonly dir: string;
  /** The processes' log files: `.muster/logs`, or MUSTER_LOG_DIR. */
  readonly logDir: string;
  /** The control API (docs/api.md); also the lock that keeps one supervisor per app. Under a host
   * tier the control socket is inherited instead, and lives in its run folder. */
  readonly controlSocket: string;
  /** The supervisor's pid, for people and scripts (the socket is what decides). */
  readonly pidFile: string;
  /** What a detached supervisor prints: its own lines about every instance. */
  readonly supervisorLog: string;
  /** The process group of each running instance (os/run-record.ts). */
  readonly runRecord: string;
}

export function appPaths(root: string, environ: Readonly<Record<string, string | undefined>> = {}): AppPaths {
  const dir = environ.MUSTER_STATE_DIR ? path.resolve(environ.MUSTER_STATE_DIR) : path.join(root, '.muster');
  return {
    dir,
    logDir: environ.MUSTER_LOG_DIR ? path.resolve(environ.MUSTER_LOG_DIR) : path.join(dir, 'logs'),
    controlSocket: path.join(dir, 'control.sock'),
    pidFile: path.join(dir, 'muster.pid'),
    supervisorLog: path.join(dir, 'muster.log'),
    runRecord: path.join(dir, 'instances.jsonl'),
  };
}

/** A path as muster's lines show it: relative to the app folder when inside it (`.muster/logs/`). */
export function shownPath(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/**
 * Make the state and log folders; null when done, else why not (for `up`: exit 2, starting again
 * would not help). A file where a folder should be (`touch .muster`) is named with the fix.
 */
export function makeAppFolders(paths: AppPaths): string | null {
  for (const dir of [paths.dir, paths.logDir]) {
    const keeps = dir === paths.dir ? 'its control socket and pid file' : "its processes' log files";
    try {
      fs.mkdirSync(dir, { recursive: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const blocker = code === 'EEXIST' || code === 'ENOTDIR' ? nonFolderOnPath(dir) : null;
      if (blocker !== null) {
        return `${blocker} is not a folder: muster keeps ${keeps} in ${dir}; move it away (mv ${blocker} ${blocker}.old), then start again`;
      }
      return `cannot create the folder ${dir} (${code ?? (error as Error).message}): muster keeps ${keeps} there; check that the user running muster may create it`;
    }
  }
  return null;
}

/** The deepest existing path at or above `dir`, when it is not a folder (or a link to one). */
function nonFolderOnPath(dir: string): string | null {
  for (let p = dir; ; p = path.dirname(p)) {
    try {
      return fs.statSync(p).isDirectory() ? null : p;
    } catch {
      if (path.dirname(p) === p) return null;
    }
  }
}
