// The life of one instance, as data. See machine.ts for the transition table.

export type InstanceState =
  | 'stopped' //   not running, and nobody asked it to run
  | 'starting' //  asked to run; waiting for its dependencies, then spawned
  | 'running' //   spawned; its readiness probe has not passed yet
  | 'ready' //     spawned and ready (no probe: ready as soon as it is spawned)
  | 'stopping' //  stop signal sent; waiting until its whole process group is gone
  | 'backoff' //   exited unexpectedly; waiting before the next spawn
  | 'exited' //    ran to completion and is not to be restarted (a one-shot)
  | 'fatal'; //    gave up: crash loop, missing command, dependency failed

export interface ExitStatus {
  readonly code: number | null;
  readonly signal: string | null;
}

export type InstanceEvent =
  | { readonly type: 'start' }
  | { readonly type: 'deps-met' }
  | { readonly type: 'deps-failed'; readonly reason: string }
  | { readonly type: 'spawned'; readonly pid: number; readonly at: number }
  | { readonly type: 'spawn-failed'; readonly reason: string }
  | { readonly type: 'probe-passed' }
  | { readonly type: 'probe-failed'; readonly reason: string }
  | { readonly type: 'exited'; readonly status: ExitStatus; readonly at: number }
  | { readonly type: 'group-empty'; readonly at: number }
  | { readonly type: 'stop' }
  /** An operator's restart: stop if live, then start again (a fresh start: old failures forgotten). */
  | { readonly type: 'restart' }
  | { readonly type: 'stop-timeout' }
  | { readonly type: 'backoff-elapsed' }
  | { readonly type: 'force-kill' };

export type InstanceEventType = InstanceEvent['type'];

/** States from which nothing more happens unless someone asks. */
export const RESTING_STATES: ReadonlySet<InstanceState> = new Set(['stopped', 'exited', 'fatal']);

/** States in which the instance's process group is in use (a process may run in it). */
export const LIVE_STATES: ReadonlySet<InstanceState> = new Set(['running', 'ready', 'stopping']);
