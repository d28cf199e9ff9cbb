// After a burst of work (starting 200 instances, a restart storm) V8 keeps the heap it grew and
// shrinks it later with its "memory reducer": a few full collections some seconds after the
// allocations stop, landing at an unpredictable moment of an otherwise idle supervisor (measured:
// 30-50 ms of CPU in the middle of a 30 s idle window, and 12 MiB more RSS until it runs). Doing one
// full collection ourselves once things have been quiet for a moment puts that work at a known,
// harmless time and gives the memory back at once.

import * as v8 from 'node:v8';
import * as vm from 'node:vm';

const QUIET_MS = 1500;

function loadGc(): (() => void) | null {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : null;
  } catch {
    return null;
  }
}

/** Returns a function to call on every burst of activity; the collection runs QUIET_MS after the last. */
export function settleMemoryWhenQuiet(): () => void {
  const gc = loadGc();
  if (!gc) return () => undefined;
  let timer: NodeJS.Timeout | null = null;
  return () => {
    if (timer) timer.refresh();
    else timer = setTimeout(() => {
      timer = null;
      gc();
    }, QUIET_MS);
  };
}
