import { performance } from 'node:perf_hooks';
import type { Clock, Timers } from './ports';

export const systemClock: Clock = { now: () => performance.now() };

export const systemTimers: Timers = {
  after(ms, fn) {
    const handle = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(handle) };
  },
};
