// One host per state folder: `<state-dir>/host.pid`. The run folder's host.sock only says whether a
// host runs on *that* run folder; a second host given another --run-dir but the same state, logs
// and apps would start every app a second time. The pid file is claimed with link(2) (atomic: two
// hosts starting at once cannot both win); one naming a pid that is not a live `muster host` (a
// host killed with -9) is replaced. The state base is root's (0755), so only root writes it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isMusterHost } from './app-processes';

export type HostLock = { readonly ok: true; release(): void } | { readonly ok: false; readonly message: string };

export function claimHostPid(file: string, isHost: (pid: number) => boolean = isMusterHost): HostLock {
  const temp = path.join(path.dirname(file), `.host.pid.${process.pid}`);
  try {
    fs.writeFileSync(temp, `${process.pid}\n`, { mode: 0o644 });
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.linkSync(temp, file);
        return { ok: true, release: () => releaseIfOurs(file) };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const pid = readPid(file);
      if (pid !== null && pid !== process.pid && isHost(pid)) {
        return { ok: false, message: `another muster host (pid ${pid}) already runs on the state folder ${path.dirname(file)} (${file}); one app never runs twice: stop that host first, or give this one its own --state-dir` };
      }
      fs.rmSync(file, { force: true }); // a dead host's
    }
    return { ok: false, message: `cannot claim ${file}: another host keeps claiming it` };
  } catch (error) {
    return { ok: false, message: `cannot claim ${file}: ${(error as Error).message}` };
  } finally {
    fs.rmSync(temp, { force: true });
  }
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').slice(0, 32).trim());
    return Number.isInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

function releaseIfOurs(file: string): void {
  if (readPid(file) === process.pid) fs.rmSync(file, { force: true });
}
