// `muster wait NAME... [--for ready|stopped] [--timeout 30s] [--json]`: POST /v1/wait. Exit 1 when
// the timeout expired or, waiting for ready, an instance went fatal.

import type { ResultsAnswer } from './api-types';
import { requireNames, type ClientCommand } from './context';
import { EXIT, UsageError } from './exit-codes';
import { withNewline } from './format';
import { durationOption } from './options';
import { resultLines } from './results';

const DEFAULT_TIMEOUT = '30s';
/** The supervisor's bound (a timer cannot wait longer than 2^31-1 ms). */
const MAX_TIMEOUT_MS = 24 * 86_400_000;
const GOALS = ['ready', 'stopped'];

export const waitCommand: ClientCommand = {
  usage: 'muster [-C DIR | --app NAME] wait NAME... [--for ready|stopped] [--timeout 30s] [--json]',
  async run(context) {
    const names = requireNames(context, context.args);
    const goal = context.options.for ?? 'ready';
    if (!GOALS.includes(goal)) throw new UsageError(`--for takes "ready" or "stopped", got "${goal}"`);
    const timeoutMs = durationOption('--timeout', context.options.timeout ?? DEFAULT_TIMEOUT);
    if (timeoutMs > MAX_TIMEOUT_MS) throw new UsageError(`--timeout is at most 24d, got ${context.options.timeout}`);
    const reply = await context.client.post<ResultsAnswer>('/v1/wait', { names, for: goal, timeout_ms: timeoutMs });
    context.out(context.options.json ? withNewline(reply.text) : resultLines(reply.value.results));
    return reply.value.ok ? EXIT.ok : EXIT.failed;
  },
};
