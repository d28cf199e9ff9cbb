// Option values that need checking beyond what parseArgs does: durations and counts. Each message
// names what was expected and what was got.

import { parseDuration } from '../../config/duration';
import { UsageError } from './exit-codes';

/** "10m", "30s", "2h", "1d", "500ms", "1h30m" -> milliseconds. */
export function durationOption(option: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === null) throw new UsageError(`${option} takes a duration such as 500ms, 30s, 10m, 2h or 1d, got "${text}"`);
  return ms;
}

/** A whole number from `min` to `max`. */
export function countOption(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < min || Number(text) > max) {
    throw new UsageError(`${option} takes a whole number from ${min} to ${max}, got "${text}"`);
  }
  return Number(text);
}
