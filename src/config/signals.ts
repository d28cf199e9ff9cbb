// Signal names as written in muster.toml: "TERM", "SIGTERM" and "term" all mean SIGTERM.
import { constants } from 'node:os';
import { closest } from './suggest';

const KNOWN: readonly string[] = Object.keys(constants.signals);

export type SignalResult = { ok: true; name: string } | { ok: false; message: string; hint: string };

/** Canonical 'SIGTERM' form, or a message with close names when the signal does not exist here. */
export function canonicalSignal(text: string): SignalResult {
  const raw = text.trim().toUpperCase();
  const name = raw.startsWith('SIG') ? raw : `SIG${raw}`;
  if (KNOWN.includes(name)) return { ok: true, name };
  const near = closest(name, KNOWN, 3);
  const hint = near.length > 0
    ? `did you mean ${near.map((n) => `"${n.slice(3)}"`).join(' or ')}?`
    : 'write a signal name such as "TERM", "INT", "QUIT" or "HUP"';
  return { ok: false, message: `unknown signal "${text}"`, hint };
}
