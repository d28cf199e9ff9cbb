// When an instance exits on its own: restart now, restart later, or give up. Pure; times come in
// as arguments so tests drive it with a fake clock.

import type { RestartPolicy } from '../config/model';
import type { ExitStatus } from './states';

/** An instance that ran at least this long before exiting is restarted at once (the respawn path). */
export const MIN_UPTIME_MS = 1000;
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 30_000;

export interface RestartHistory {
  /** Times of recent unexpected exits, oldest first, only those inside the window. */
  readonly exitTimes: readonly number[];
  /** Consecutive exits that came sooner than MIN_UPTIME_MS after their spawn. */
  readonly quickFailures: number;
}

export const EMPTY_HISTORY: RestartHistory = { exitTimes: [], quickFailures: 0 };

export type RestartDecision =
  | { readonly action: 'restart'; readonly delayMs: number; readonly history: RestartHistory }
  | { readonly action: 'rest'; readonly history: RestartHistory } // finished, by policy
  | { readonly action: 'give-up'; readonly reason: string; readonly history: RestartHistory };

export interface RestartRules {
  readonly restart: RestartPolicy;
  readonly maxRestarts: number;
  readonly restartWindowMs: number;
}

export function isFailure(status: ExitStatus): boolean {
  return status.code !== 0;
}

export function decideRestart(
  rules: RestartRules,
  history: RestartHistory,
  status: ExitStatus,
  spawnedAt: number,
  exitedAt: number,
): RestartDecision {
  const wanted = rules.restart === 'always' || (rules.restart === 'on-failure' && isFailure(status));
  if (!wanted) return { action: 'rest', history: EMPTY_HISTORY };

  const quick = exitedAt - spawnedAt < MIN_UPTIME_MS;
  const exitTimes = [...history.exitTimes.filter((t) => exitedAt - t < rules.restartWindowMs), exitedAt];
  const quickFailures = quick ? history.quickFailures + 1 : 0;
  const next: RestartHistory = { exitTimes, quickFailures };

  // Crash-loop rule: it applies whatever the uptime, so a program that dies after 1.5 s forever
  // still ends here instead of restarting for ever.
  if (exitTimes.length > rules.maxRestarts) {
    const windowS = Math.round(rules.restartWindowMs / 1000);
    return { action: 'give-up', reason: `crash loop: ${exitTimes.length} exits within ${windowS}s (max_restarts = ${rules.maxRestarts})`, history: next };
  }
  // A stable instance comes back at once; one that dies young waits 1 s, 2 s, 4 s ... (capped).
  const delayMs = quick ? Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** (quickFailures - 1)) : 0;
  return { action: 'restart', delayMs, history: next };
}
