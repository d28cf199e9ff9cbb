// One app tier's life under the host tier, as a pure reducer: every input (a spawn, the tier's
// exit, the backoff timer, the host's stop) is an event; transition() returns the next state and the
// effects (spawn, timer, signal, log) that tier-runner.ts carries out. Time comes in with each
// event, so the tests drive it with a fake clock.
//
//   idle -start-> starting -spawned-> running -exited-> backoff -timer-> starting ...
//   starting -spawnFailed-> backoff
//   running/starting -stop-> stopping -exited-> stopped;  backoff/idle -stop-> stopped
//
// A tier that exits always backs off, even with code 2 (its config is broken): starting it again
// at once would only spin, and the fix (an edit by the developer) takes longer than any backoff.

export const FIRST_BACKOFF_MS = 1000;
export const MAX_BACKOFF_MS = 30_000;
/** A tier that ran this long was healthy: its next failure starts the backoff over. */
export const HEALTHY_RUN_MS = 10_000;
/** The app tier's exit code for a config error (docs/control.md). */
export const CONFIG_ERROR_EXIT = 2;

export type TierState = 'idle' | 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped';

export interface TierExit {
  readonly code: number | null;
  readonly signal: string | null;
}

export type TierEvent =
  | { readonly type: 'start'; readonly now: number }
  | { readonly type: 'spawned'; readonly pid: number; readonly now: number }
  | { readonly type: 'spawnFailed'; readonly reason: string; readonly now: number }
  | { readonly type: 'exited'; readonly exit: TierExit; readonly now: number }
  | { readonly type: 'timer'; readonly now: number }
  | { readonly type: 'stop'; readonly now: number };

export type TierEffect =
  | { readonly kind: 'spawn' }
  | { readonly kind: 'startTimer'; readonly ms: number }
  | { readonly kind: 'cancelTimer' }
  | { readonly kind: 'signal'; readonly pid: number; readonly signal: 'SIGTERM' }
  | { readonly kind: 'log'; readonly text: string }
  | { readonly kind: 'stopped' };

export interface TierStatus {
  readonly state: TierState;
  readonly pid: number | null;
  /** When the current state began (ms since the epoch). */
  readonly since: number;
  /** Tiers started after the first one. */
  readonly restarts: number;
  readonly lastExit: TierExit | null;
  /** Why the tier is not running, in words; null when nothing is wrong. */
  readonly problem: string | null;
  /** The delay of the next backoff. */
  readonly nextBackoffMs: number;
  /** When the running tier was spawned. */
  readonly startedAt: number | null;
  /** A stop came while starting: signal the tier as soon as it exists. */
  readonly stopWanted: boolean;
}

export interface TierContext {
  readonly app: string;
  /** LOGS/muster.log, named when the tier's config is broken. */
  readonly tierLog: string;
}

export interface Transition {
  readonly status: TierStatus;
  readonly effects: readonly TierEffect[];
}

export function initialStatus(now: number): TierStatus {
  return { state: 'idle', pid: null, since: now, restarts: 0, lastExit: null, problem: null, nextBackoffMs: FIRST_BACKOFF_MS, startedAt: null, stopWanted: false };
}

export function transition(s: TierStatus, event: TierEvent, ctx: TierContext): Transition {
  const at = (state: TierState, patch: Partial<TierStatus> = {}): TierStatus => ({ ...s, since: state === s.state ? s.since : event.now, ...patch, state });
  const none: Transition = { status: s, effects: [] };
  switch (s.state) {
    case 'idle':
      if (event.type === 'start') return { status: at('starting'), effects: [{ kind: 'spawn' }] }; // idle -> starting
      if (event.type === 'stop') return { status: at('stopped'), effects: [{ kind: 'stopped' }] }; // idle -> stopped
      return none;
    case 'starting':
      switch (event.type) {
        case 'spawned':
          if (s.stopWanted) { // starting -> stopping: the host is stopping; this tier stops at once
            return { status: at('stopping', { pid: event.pid, startedAt: event.now }), effects: [{ kind: 'signal', pid: event.pid, signal: 'SIGTERM' }] };
          }
          return { // starting -> running
            status: at('running', { pid: event.pid, startedAt: event.now, problem: null }),
            effects: [{ kind: 'log', text: `${ctx.app}: app tier started (pid ${event.pid}${s.restarts > 0 ? `, restart ${s.restarts}` : ''})` }],
          };
        case 'spawnFailed':
          if (s.stopWanted) return { status: at('stopped'), effects: [{ kind: 'stopped' }] };
          return backoff(s, at, `cannot start the app tier: ${event.reason}`, null, ctx); // starting -> backoff
        case 'stop':
          return { status: { ...s, stopWanted: true }, effects: [] };
        default:
          return none;
      }
    case 'running':
      switch (event.type) {
        case 'exited': { // running -> backoff
          const ran = event.now - (s.startedAt ?? event.now);
          const fresh = ran >= HEALTHY_RUN_MS ? { ...s, nextBackoffMs: FIRST_BACKOFF_MS } : s;
          const how = describeExit(event.exit);
          const problem = event.exit.code === CONFIG_ERROR_EXIT
            ? `the app tier exited with code 2: the app's config is broken; see ${ctx.tierLog}`
            : `the app tier ${how} after ${(ran / 1000).toFixed(1)} s`;
          return backoff(fresh, at, problem, event.exit, ctx);
        }
        case 'stop': // running -> stopping
          return { status: at('stopping'), effects: [{ kind: 'signal', pid: s.pid!, signal: 'SIGTERM' }, { kind: 'log', text: `${ctx.app}: stopping the app tier (pid ${s.pid}, SIGTERM)` }] };
        default:
          return none;
      }
    case 'backoff':
      switch (event.type) {
        case 'timer': // backoff -> starting
          return { status: at('starting', { restarts: s.restarts + 1 }), effects: [{ kind: 'spawn' }] };
        case 'stop': // backoff -> stopped
          return { status: at('stopped'), effects: [{ kind: 'cancelTimer' }, { kind: 'stopped' }] };
        default:
          return none;
      }
    case 'stopping':
      if (event.type === 'exited') { // stopping -> stopped
        return {
          status: at('stopped', { pid: null, lastExit: event.exit }),
          effects: [{ kind: 'log', text: `${ctx.app}: app tier (pid ${s.pid}) ${describeExit(event.exit)}` }, { kind: 'stopped' }],
        };
      }
      return none;
    case 'stopped':
      return none;
    default: {
      const unreachable: never = s.state;
      return unreachable;
    }
  }
}

function backoff(s: TierStatus, at: (state: TierState, patch: Partial<TierStatus>) => TierStatus, problem: string, exit: TierExit | null, ctx: TierContext): Transition {
  const delay = s.nextBackoffMs;
  return {
    status: at('backoff', { pid: null, startedAt: null, lastExit: exit ?? s.lastExit, problem, nextBackoffMs: Math.min(MAX_BACKOFF_MS, delay * 2) }),
    effects: [{ kind: 'log', text: `${ctx.app}: ${problem}; starting it again in ${delay / 1000} s` }, { kind: 'startTimer', ms: delay }],
  };
}

export function describeExit(exit: TierExit): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}
