// One line per instance for the answers of actions, wait and apply:
//   web: restarted, pid 4242, ready
//   worker.1: failed: fatal: exited 6 times within 60s
// The supervisor's message comes first; the state and the pid follow unless it already says them.

import type { ActionResult } from './api-types';

/** Outcomes that reached what was asked: the message alone says it ("restarted", "sent SIGHUP"). */
const REACHED = new Set(['done', 'sent', 'accepted']);

export function resultLine(result: ActionResult): string {
  const message = result.message ?? '';
  const parts: string[] = [];
  if (message === '') parts.push(result.outcome);
  else if (REACHED.has(result.outcome) || message.startsWith(result.outcome)) parts.push(message);
  else parts.push(`${result.outcome}: ${message}`);
  if (result.state && !new RegExp(`\\b${result.state}\\b`).test(message)) parts.push(result.state);
  if (typeof result.pid === 'number' && !message.includes(`pid ${result.pid}`)) parts.push(`pid ${result.pid}`);
  return `${result.name}: ${parts.join(', ')}`;
}

export function resultLines(results: readonly ActionResult[]): string {
  return results.map((r) => `${resultLine(r)}\n`).join('');
}
