// The host tier's own API on RUN/host.sock (root:root 0600): what `muster host status` shows.
// GET /v1/apps -> { host: {pid, startedAt}, apps: [AppView...] } (docs/host.md).
import type { Routes } from '../control/http-server';
import type { TierExit, TierStatus } from './tier-machine';

export type AppState = 'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'refused';

export interface AppView {
  readonly name: string;
  /** Null when the registration was refused before a user was known. */
  readonly user: string | null;
  readonly state: AppState;
  /** The app tier's pid while one runs. */
  readonly pid: number | null;
  /** When the app entered its state (ISO 8601). */
  readonly since: string;
  readonly restarts: number;
  readonly lastExit: TierExit | null;
  /** Why the app does not run, in words; null when nothing is wrong. */
  readonly problem: string | null;
}

export interface HostView {
  readonly host: { readonly pid: number; readonly startedAt: string };
  readonly apps: readonly AppView[];
}

/** The app's state as the API shows it: the machine's idle is a tier about to start. */
export function viewOfTier(name: string, user: string, s: TierStatus): AppView {
  return {
    name,
    user,
    state: s.state === 'idle' ? 'starting' : s.state,
    pid: s.pid,
    since: new Date(s.since).toISOString(),
    restarts: s.restarts,
    lastExit: s.lastExit,
    problem: s.problem,
  };
}

export function hostRoutes(view: () => HostView): Routes {
  return { '/v1/apps': { GET: () => view() } };
}
