// The host tier's own API on RUN/host.sock (root:root 0600): what `muster host status` shows.
// GET /v1/apps -> { host: {pid, started_at}, apps: [AppView...] } (docs/host.md);
// POST /v1/reload -> { actions: [{app, action, problem}] }: what `muster host reload` shows. The
// conventions of docs/api.md: snake_case names, points in time in ms since the epoch.
import type { Handler, Routes } from '../control/http-server';
import type { TierExit, TierStatus } from './tier-machine';

export type AppState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'refused';

export interface AppView {
  readonly name: string;
  /** Null when the registration was refused before a user was known. */
  readonly user: string | null;
  readonly state: AppState;
  /** The app tier's pid while one runs. */
  readonly pid: number | null;
  /** When the app entered its state (ms since the epoch). */
  readonly since: number;
  readonly restarts: number;
  readonly last_exit: TierExit | null;
  /** Why the app does not run, in words; null when nothing is wrong. */
  readonly problem: string | null;
}

export interface HostView {
  readonly host: { readonly pid: number; readonly started_at: number };
  readonly apps: readonly AppView[];
}

/** The app's state as the API shows it: the machine's idle is a tier about to start. */
export function viewOfTier(name: string, user: string, s: TierStatus): AppView {
  return {
    name,
    user,
    state: s.state === 'idle' ? 'starting' : s.state,
    pid: s.pid,
    since: s.since,
    restarts: s.restarts,
    last_exit: s.lastExit,
    problem: s.problem,
  };
}

export function hostRoutes(view: () => HostView, reload: Handler): Routes {
  return { '/v1/apps': { GET: () => view() }, '/v1/reload': { POST: reload } };
}
