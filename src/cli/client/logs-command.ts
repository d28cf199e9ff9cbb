// `muster logs [NAME...] [-n N] [--since 10m] [--json]`: GET /v1/logs, printed as `muster up`
// prints lines. With -f / --follow it then keeps printing the `line` events of GET /v1/events
// (follow.ts) until Ctrl-C or until the supervisor goes away (both exit 0).

import type { ClientCommand } from './context';
import { EXIT } from './exit-codes';
import { withNewline } from './format';
import { fetchLogs, formatterFor, type LogsRequest } from './logs-fetch';
import { countOption, durationOption } from './options';

/** The API's own default is 100 lines per instance; a terminal is better served by fewer. */
const DEFAULT_LINES = '20';
/** The API's maximum. */
const MAX_LINES = 10_000;

export const logsCommand: ClientCommand = {
  usage: 'muster [-C DIR | --app NAME] logs [NAME...] [-f|--follow] [-n N|--lines N] [--since 10m] [--json]',
  async run(context) {
    const { options } = context;
    const request: LogsRequest = {
      names: context.args,
      lines: countOption('--lines', options.lines ?? DEFAULT_LINES, 0, MAX_LINES),
      sinceMs: options.since === undefined ? undefined : durationOption('--since', options.since),
    };
    if (options.follow) {
      const { follow } = await import('./follow');
      return follow(context, request);
    }
    if (options.json) {
      context.out(withNewline((await fetchLogs(context, request)).text));
      return EXIT.ok;
    }
    const [formatter, logs] = await Promise.all([formatterFor(context), fetchLogs(context, request)]);
    context.out(logs.value.map((l) => formatter.format(l)).join(''));
    return EXIT.ok;
  },
};
