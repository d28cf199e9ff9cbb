// GET /v1/events as server-sent events. A client that reads slower than the app writes loses
// lines (and is told how many), never muster's memory: past LINES_BUFFERED bytes waiting for it,
// lines are dropped; past MAX_BUFFERED (state changes are never dropped) it is disconnected.

import type * as http from 'node:http';
import type { LiveFeed, LineEvent, StateEvent } from './feed';

const LINES_BUFFERED = 256 * 1024;
const MAX_BUFFERED = 1024 * 1024;
const KEEP_ALIVE_MS = 15_000;

export function openEventStream(req: http.IncomingMessage, res: http.ServerResponse, feed: LiveFeed, wants: (instance: string) => boolean, lines: boolean): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
  res.write(': muster event stream\n\n');
  let dropped = 0;
  const write = (type: string, data: unknown) => res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  const send = (type: 'state' | 'line', data: StateEvent | LineEvent) => {
    if (res.destroyed) return;
    if (res.writableLength > LINES_BUFFERED) {
      if (type === 'line') {
        dropped++;
        return;
      }
      // State changes are never dropped; a client that reads none of them for this long is gone.
      if (res.writableLength > MAX_BUFFERED) return void res.destroy();
    }
    if (dropped > 0 && res.writableLength <= LINES_BUFFERED / 2) {
      write('dropped', { lines: dropped });
      dropped = 0;
    }
    write(type, data);
  };
  const unsubscribe = feed.subscribe({
    wants,
    lines,
    state: (event) => send('state', event),
    line: (event) => send('line', event),
  });
  // Tells a client its connection still works, and makes us notice one that silently went away.
  const keepAlive = setInterval(() => res.destroyed || res.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  const close = () => {
    clearInterval(keepAlive);
    unsubscribe();
  };
  res.on('close', close);
  req.on('close', close);
}
