// One pure transition function per instance: (runtime, event) -> (runtime', effects). Every input
// (a child exit, a timer, a request) becomes an event and runs exactly one case here; nothing else
// changes an instance's state. Effects are data, carried out by core/effects.ts.

import type { RestartRules } from './restart-policy';
import { decideRestart, EMPTY_HISTORY, type RestartHistory } from './restart-policy';
import type { ExitStatus, InstanceEvent, InstanceState } from './states';

export interface InstanceSettings extends RestartRules {
  readonly hasProbe: boolean;
  readonly stopSignal: string;
  readonly stopTimeoutMs: number;
  readonly stopScope: 'main' | 'group';
}

export interface InstanceRuntime {
  readonly state: InstanceState;
  readonly pid: number | null;
  readonly spawnedAt: number | null;
  readonly restarts: number;
  readonly lastExit: ExitStatus | null;
  readonly history: RestartHistory;
  /** Why the current stop happens: asked for, or the readiness probe failed (then it counts as a failure). */
  readonly stopCause: 'requested' | 'not-ready' | null;
  readonly mainExited: boolean;
  readonly killed: boolean;
  /** Start again once the current stop ends (an operator asked for a restart, or a start during a stop). */
  readonly restartAfter: boolean;
  /** In 'stopped' because someone asked for it (not because it never started). */
  readonly stoppedByOperator: boolean;
  /** How many times a main process was spawned: tells a restarted instance from the one before. */
  readonly spawns: number;
  /** Human reason for the latest fatal / backoff, shown by status. */
  readonly reason: string | null;
}

export const INITIAL_RUNTIME: InstanceRuntime = {
  state: 'stopped',
  pid: null,
  spawnedAt: null,
  restarts: 0,
  lastExit: null,
  history: EMPTY_HISTORY,
  stopCause: null,
  mainExited: false,
  killed: false,
  restartAfter: false,
  stoppedByOperator: false,
  spawns: 0,
  reason: null,
};

export type Effect =
  | { readonly type: 'spawn' }
  | { readonly type: 'start-probe' }
  | { readonly type: 'stop-probe' }
  /** The stop signal, once: to the main process (scope main) or the whole group (scope group). */
  | { readonly type: 'send-stop-signal'; readonly signal: string; readonly scope: 'main' | 'group' }
  /** Scope main, main gone: the stop signal to group members that have not had it yet. */
  | { readonly type: 'signal-leftovers'; readonly signal: string }
  | { readonly type: 'kill-group'; readonly why: string }
  /** Dispatch group-empty once no live (non-zombie) member is left in the process group. */
  | { readonly type: 'watch-group' }
  | { readonly type: 'start-timer'; readonly timer: 'stop' | 'backoff'; readonly ms: number }
  | { readonly type: 'cancel-timer'; readonly timer: 'stop' | 'backoff' }
  | { readonly type: 'log'; readonly message: string };

export interface Step {
  readonly runtime: InstanceRuntime;
  readonly effects: readonly Effect[];
}

const stay = (runtime: InstanceRuntime): Step => ({ runtime, effects: [] });

function formatExit(status: ExitStatus): string {
  return status.signal ? `killed by ${status.signal}` : `exit code ${status.code}`;
}

/** Apply the restart policy after an exit that nobody asked for. */
function afterFailure(rt: InstanceRuntime, s: InstanceSettings, status: ExitStatus, at: number, what: string): Step {
  const decision = decideRestart(s, rt.history, status, rt.spawnedAt ?? at, at);
  const base = { ...rt, pid: null, lastExit: status, history: decision.history, stopCause: null, mainExited: false, killed: false, restartAfter: false };
  switch (decision.action) {
    case 'rest': // running|ready -> exited
      return { runtime: { ...base, state: 'exited', reason: null }, effects: [{ type: 'log', message: `${what} (${formatExit(status)}); restart = "${s.restart}", not restarting` }] };
    case 'give-up': // running|ready -> fatal
      return { runtime: { ...base, state: 'fatal', reason: decision.reason }, effects: [{ type: 'log', message: `${what} (${formatExit(status)}); giving up: ${decision.reason}` }] };
    case 'restart':
      if (decision.delayMs === 0) {
        // running|ready -> starting: restarted at once (it ran stably), through the dependency gate
        return { runtime: { ...base, state: 'starting', restarts: rt.restarts + 1, reason: null }, effects: [{ type: 'log', message: `${what} (${formatExit(status)}); restarting` }] };
      }
      // running|ready -> backoff
      return {
        runtime: { ...base, state: 'backoff', restarts: rt.restarts + 1, reason: `exited too quickly (${formatExit(status)})` },
        effects: [
          { type: 'log', message: `${what} (${formatExit(status)}) after less than a second; next try in ${decision.delayMs / 1000}s` },
          { type: 'start-timer', timer: 'backoff', ms: decision.delayMs },
        ],
      };
  }
}

export function transition(rt: InstanceRuntime, event: InstanceEvent, s: InstanceSettings): Step {
  const state = rt.state;
  switch (event.type) {
    case 'start':
      // stopped|exited|fatal -> starting (a fresh start forgets old failures)
      if (state === 'stopped' || state === 'exited' || state === 'fatal') return stay(freshStart(rt));
      // stopping -> stopping, then starting once the group is empty
      if (state === 'stopping') return stay({ ...rt, restartAfter: true });
      return stay(rt); // starting, running, ready: already on its way; backoff: its timer decides

    case 'restart':
      switch (state) {
        case 'stopped':
        case 'exited':
        case 'fatal': // -> starting
          return stay(freshStart(rt));
        case 'backoff': // backoff -> starting, without waiting for the rest of the delay
          return { runtime: freshStart(rt), effects: [{ type: 'cancel-timer', timer: 'backoff' }] };
        case 'running':
        case 'ready': {
          // running|ready -> stopping, then starting once the group is empty
          const step = beginStop(rt, s, 'requested', null);
          return { runtime: { ...step.runtime, restartAfter: true }, effects: step.effects };
        }
        case 'stopping':
          return stay({ ...rt, restartAfter: true });
        case 'starting':
          return stay(rt); // not spawned yet: it will start once, as asked
      }
      return stay(rt);

    case 'deps-met':
      // starting -> starting (spawn requested; 'spawned' or 'spawn-failed' follows)
      return state === 'starting' ? { runtime: rt, effects: [{ type: 'spawn' }] } : stay(rt);

    case 'deps-failed':
      // starting -> fatal
      if (state !== 'starting') return stay(rt);
      return { runtime: { ...rt, state: 'fatal', reason: event.reason }, effects: [{ type: 'log', message: `not started: ${event.reason}` }] };

    case 'spawned': {
      if (state !== 'starting') return stay(rt);
      const next: InstanceRuntime = { ...rt, pid: event.pid, spawnedAt: event.at, mainExited: false, killed: false, spawns: rt.spawns + 1 };
      // starting -> running (a probe will tell when it is ready) | starting -> ready (no probe)
      return s.hasProbe
        ? { runtime: { ...next, state: 'running' }, effects: [{ type: 'start-probe' }] }
        : stay({ ...next, state: 'ready' });
    }

    case 'spawn-failed':
      // starting -> fatal: a missing or non-executable command will not fix itself by retrying
      if (state !== 'starting') return stay(rt);
      return { runtime: { ...rt, state: 'fatal', pid: null, reason: event.reason }, effects: [{ type: 'log', message: `cannot start: ${event.reason}` }] };

    case 'probe-passed':
      // running -> ready
      return state === 'running' ? stay({ ...rt, state: 'ready' }) : stay(rt);

    case 'probe-failed':
      // running -> stopping: never became ready; stopped like any stop, then counted as a failure
      if (state !== 'running') return stay(rt);
      return beginStop({ ...rt, reason: event.reason }, s, 'not-ready', `not ready: ${event.reason}; stopping it`);

    case 'exited': {
      if (state === 'running' || state === 'ready') {
        // The main process died on its own: whatever it left in its group goes with it.
        const step = afterFailure(rt, s, event.status, event.at, 'exited');
        return { runtime: step.runtime, effects: [{ type: 'stop-probe' }, { type: 'kill-group', why: 'main process exited' }, ...step.effects] };
      }
      if (state === 'stopping') {
        // stopping -> stopping: main gone; the stop ends when the whole group is empty
        const effects: Effect[] = [];
        if (s.stopScope === 'main' && !rt.killed) effects.push({ type: 'signal-leftovers', signal: s.stopSignal });
        effects.push({ type: 'watch-group' });
        return { runtime: { ...rt, pid: null, mainExited: true, lastExit: event.status }, effects };
      }
      return stay(rt);
    }

    case 'group-empty': {
      if (state !== 'stopping' || !rt.mainExited) return stay(rt);
      const exit = rt.lastExit ?? { code: null, signal: null };
      const effects: Effect[] = [{ type: 'cancel-timer', timer: 'stop' }];
      if (rt.restartAfter) {
        // stopping -> starting: the restart (or a start that arrived during the stop) goes on
        const how = rt.killed ? `killed (${formatExit(exit)}); starting again` : `stopped (${formatExit(exit)}); starting again`;
        return { runtime: { ...freshStart(rt), stopCause: null, mainExited: false, killed: rt.killed }, effects: [...effects, { type: 'log', message: how }] };
      }
      if (rt.stopCause === 'not-ready') {
        const step = afterFailure(rt, s, exit, event.at, 'stopped after failing to become ready');
        return { runtime: { ...step.runtime, reason: rt.reason }, effects: [...effects, ...step.effects] };
      }
      // stopping -> stopped
      const how = rt.killed ? `killed (${formatExit(exit)})` : `stopped (${formatExit(exit)})`;
      return { runtime: { ...rt, state: 'stopped', stopCause: null, mainExited: false, stoppedByOperator: true }, effects: [...effects, { type: 'log', message: how }] };
    }

    case 'stop':
      switch (state) {
        case 'starting': // starting -> stopped (never spawned)
          return stay({ ...rt, state: 'stopped', stoppedByOperator: true });
        case 'backoff': // backoff -> stopped
          return { runtime: { ...rt, state: 'stopped', stoppedByOperator: true }, effects: [{ type: 'cancel-timer', timer: 'backoff' }] };
        case 'running':
        case 'ready':
          return beginStop(rt, s, 'requested', null);
        case 'stopping':
          // A restart under way becomes a plain stop; a stop for not being ready becomes a requested
          // one, so it ends stopped rather than restarted by the restart policy.
          return stay({ ...rt, stopCause: 'requested', restartAfter: false });
        default:
          return stay(rt); // stopped, exited, fatal: nothing to do
      }

    case 'stop-timeout':
      // stopping -> stopping: the grace time is over
      if (state !== 'stopping' || rt.killed) return stay(rt);
      return {
        runtime: { ...rt, killed: true },
        effects: [{ type: 'kill-group', why: `still running ${s.stopTimeoutMs / 1000}s after ${s.stopSignal} (stop_timeout)` }, { type: 'watch-group' }],
      };

    case 'force-kill':
      // any live state -> stopping (killed): the second Ctrl-C; it ends stopped, whatever the stop was for
      if (state === 'running' || state === 'ready' || state === 'stopping') {
        const effects: Effect[] = [{ type: 'stop-probe' }, { type: 'kill-group', why: 'forced stop' }, { type: 'watch-group' }];
        return { runtime: { ...rt, state: 'stopping', stopCause: 'requested', killed: true, restartAfter: false }, effects };
      }
      return transition(rt, { type: 'stop' }, s);

    case 'backoff-elapsed':
      // backoff -> starting
      return state === 'backoff' ? stay({ ...rt, state: 'starting' }) : stay(rt);
  }
}

/** -> starting, as an operator's start: restart counters and old failures are forgotten. */
function freshStart(rt: InstanceRuntime): InstanceRuntime {
  return { ...rt, state: 'starting', restarts: 0, history: EMPTY_HISTORY, reason: null, restartAfter: false, stoppedByOperator: false };
}

function beginStop(rt: InstanceRuntime, s: InstanceSettings, cause: 'requested' | 'not-ready', why: string | null): Step {
  // running|ready -> stopping
  const effects: Effect[] = [];
  if (why) effects.push({ type: 'log', message: why });
  effects.push(
    { type: 'stop-probe' },
    { type: 'send-stop-signal', signal: s.stopSignal, scope: s.stopScope },
    { type: 'start-timer', timer: 'stop', ms: s.stopTimeoutMs },
  );
  return { runtime: { ...rt, state: 'stopping', stopCause: cause, mainExited: false, killed: false, restartAfter: false }, effects };
}
