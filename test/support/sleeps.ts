// `sleep N` processes with an N no other test uses: a test can find its own processes by their
// command line, however far they went (other groups, sessions, a cleared environment).

import { cmdlineOf } from './proc';
import { pidsMatching } from './up';

/** A sleep no other test runs: its argument names it. */
export function uniqueSeconds(): number {
  return 100_000_000 + Math.floor(Math.random() * 800_000_000);
}

/** Live `sleep N` processes (not the shells whose command line names them). */
export function sleeps(seconds: number): number[] {
  return pidsMatching(`sleep ${seconds}`).filter((pid) => {
    try {
      return cmdlineOf(pid)[0] === 'sleep';
    } catch {
      return false;
    }
  });
}

export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** At the end of the test, SIGKILL whatever still runs `sleep N` for each N. */
export function killSleepsAfter(t: { after(fn: () => void): void }, ...seconds: number[]): void {
  t.after(() => killAll(seconds.flatMap(sleeps)));
}
