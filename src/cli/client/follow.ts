// `muster logs -f`: the recent lines, then every new one as the supervisor sends it.
//
// The event stream is opened *before* the recent lines are fetched, so a line written between the
// two requests is in one of them, never lost. Events that arrive before the recent lines are
// printed wait for them. A line that is in both (same instance, time and text) is printed once:
// every line event is checked against the recent lines not yet matched, for as long as the
// command runs, because an event the supervisor sent before it read the recent lines may still
// reach us after them (two sockets: which one is read first is up to the event loop).

import type { LineEvent, LogLine } from './api-types';
import type { ClientContext } from './context';
import { queryString } from './control-client';
import { subscribe } from './event-stream';
import { EXIT } from './exit-codes';
import type { LogLineFormatter } from './log-lines';
import { fetchLogs, formatterFor, type LogsRequest } from './logs-fetch';
import type { ServerEvent } from './sse';

export async function follow(context: ClientContext, request: LogsRequest): Promise<number> {
  const json = context.options.json;
  let formatter: LogLineFormatter | null = null;
  const heldBack: ServerEvent[] = [];
  /** Recent lines not yet matched by an event; null until they are printed. */
  let recent: Map<string, number> | null = null;

  const show = (event: ServerEvent) => {
    if (event.type === 'line') {
      const line = JSON.parse(event.data) as LineEvent;
      if (takeKey(recent!, line)) return;
      context.out(json ? `${event.data}\n` : formatter!.format(line));
    } else if (event.type === 'dropped') {
      const lines = (JSON.parse(event.data) as { lines: number }).lines;
      context.out(json ? `${JSON.stringify({ dropped: lines })}\n` : formatter!.note(`${lines} lines were skipped: this client read too slowly (they are in .muster/logs/)`));
    }
    // `state` events: every state change also comes as a muster line.
  };

  const subscription = subscribe(context.client, `/v1/events${queryString({ name: request.names, lines: 1 })}`, (event) => {
    if (recent === null) heldBack.push(event);
    else show(event);
  });
  // Ctrl-C is how one stops following: it is a success, not an interruption.
  const interrupted = new Promise<'interrupted'>((resolve) => process.once('SIGINT', () => resolve('interrupted')));
  try {
    await subscription.opened;
    const [f, logs] = await Promise.all([json ? null : formatterFor(context), fetchLogs(context, request)]);
    formatter = f;
    for (const line of logs.value) context.out(json ? `${JSON.stringify(line)}\n` : formatter!.format(line));
    recent = recentKeys(logs.value);
    for (const event of heldBack.splice(0)) show(event);
  } catch (error) {
    subscription.close();
    throw error;
  }

  const end = await Promise.race([subscription.ended, interrupted]);
  subscription.close();
  if (end === 'interrupted') return EXIT.ok;
  const why = end === null ? 'the supervisor went away (it stopped, or was stopped): no more lines' : `the event stream broke: ${end.message}`;
  if (json) context.err(`muster: ${why}\n`);
  else context.out(formatter!.note(why));
  return end === null ? EXIT.ok : EXIT.failed;
}

function lineKey(line: LogLine): string {
  return `${line.instance}\0${line.time}\0${line.text}`;
}

function recentKeys(lines: readonly LogLine[]): Map<string, number> {
  const keys = new Map<string, number>();
  for (const l of lines) keys.set(lineKey(l), (keys.get(lineKey(l)) ?? 0) + 1);
  return keys;
}

/** True (and one fewer left) when the line was among the recent ones. */
function takeKey(keys: Map<string, number>, line: LogLine): boolean {
  const key = lineKey(line);
  const n = keys.get(key) ?? 0;
  if (n === 0) return false;
  keys.set(key, n - 1);
  return true;
}
