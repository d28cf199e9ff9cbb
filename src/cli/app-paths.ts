// Where muster keeps an app's runtime files, all under `.muster/` in the app folder.

import * as path from 'node:path';

export function appPaths(root: string) {
  const dir = path.join(root, '.muster');
  return {
    dir,
    logDir: path.join(dir, 'logs'),
    /** The control API (docs/api.md); also the lock that keeps one supervisor per app. */
    controlSocket: path.join(dir, 'control.sock'),
    /** The supervisor's pid, for people and scripts (the socket is what decides). */
    pidFile: path.join(dir, 'muster.pid'),
    /** What a detached supervisor prints: its own lines about every instance. */
    supervisorLog: path.join(dir, 'muster.log'),
  };
}
