// `muster start|stop|restart|reload NAME...` and `muster signal SIGNAL NAME...`: POST /v1/actions,
// then one line per instance acted on (or the API's answer with --json). Exit 1 when `ok` is false.

import { canonicalSignal } from '../../config/signals';
import type { ResultsAnswer } from './api-types';
import { requireNames, type ClientCommand, type ClientContext } from './context';
import { EXIT, UsageError } from './exit-codes';
import { withNewline } from './format';
import { resultLines } from './results';

type Action = 'start' | 'stop' | 'restart' | 'reload' | 'signal';

/** The standard signals (1-31); real-time signals have no name Node can send. */
const MAX_SIGNAL_NUMBER = 31;

async function act(context: ClientContext, action: Action, names: readonly string[], signal?: string | number): Promise<number> {
  const { options } = context;
  const body: Record<string, unknown> = { action, names };
  if (signal !== undefined) body.signal = signal;
  if (action === 'restart' || action === 'stop') body.with_dependents = options.withDependents;
  body.wait = !options.noWait;
  // A signal is delivered at once; the other actions wait for the processes, however long that takes.
  const quick = action === 'reload' || action === 'signal';
  const reply = await context.client.post<ResultsAnswer>('/v1/actions', body, quick);
  context.out(options.json ? withNewline(reply.text) : resultLines(reply.value.results));
  return reply.value.ok ? EXIT.ok : EXIT.failed;
}

function nameAction(action: Exclude<Action, 'signal'>, usage: string): ClientCommand {
  return { usage, run: (context) => act(context, action, requireNames(context, context.args)) };
}

export const actionCommands = {
  start: nameAction('start', 'muster [-C DIR | --app NAME] start NAME... [--no-wait] [--json]'),
  stop: nameAction('stop', 'muster [-C DIR | --app NAME] stop NAME... [--with-dependents] [--no-wait] [--json]'),
  restart: nameAction('restart', 'muster [-C DIR | --app NAME] restart NAME... [--with-dependents] [--no-wait] [--json]'),
  reload: nameAction('reload', 'muster [-C DIR | --app NAME] reload NAME... [--json]'),
  signal: {
    usage: 'muster [-C DIR | --app NAME] signal SIGNAL NAME... [--json]   (SIGNAL: HUP, SIGUSR1, 10...)',
    run: (context) => {
      const [signal, ...names] = context.args;
      if (signal === undefined) throw new UsageError('signal needs a signal and at least one name, e.g. "muster signal USR1 worker"');
      return act(context, 'signal', requireNames(context, names), parseSignal(signal));
    },
  } satisfies ClientCommand,
} as const;

/** "USR1", "sigusr1", "SIGUSR1" -> "SIGUSR1"; "10" -> 10. */
export function parseSignal(text: string): string | number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1 || n > MAX_SIGNAL_NUMBER) throw new UsageError(`signal numbers go from 1 to ${MAX_SIGNAL_NUMBER}, got ${text}`);
    return n;
  }
  const known = canonicalSignal(text);
  if (!known.ok) throw new UsageError(`${known.message}: ${known.hint}`);
  return known.name;
}
