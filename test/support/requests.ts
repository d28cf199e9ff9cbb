// Requests for tests that check no request is lost: one GET over a unix socket or to a URL, each
// ending in an answer or an error (never a rejection), and a steady stream of them.

import * as http from 'node:http';

export interface Answer {
  readonly status: number;
  readonly body: string;
}

export type Outcome = Answer | { readonly error: string };

function collect(request: http.ClientRequest, resolve: (o: Outcome) => void): void {
  request.on('response', (response) => {
    let body = '';
    response.on('data', (c: Buffer) => (body += c.toString()));
    response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    response.on('error', (e) => resolve({ error: e.message }));
  });
  request.once('timeout', () => request.destroy(new Error('timeout')));
  request.once('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
}

/** One GET / over a unix socket. */
export function getUnix(socketPath: string, timeoutMs = 15_000): Promise<Outcome> {
  return new Promise((resolve) => collect(http.get({ socketPath, path: '/', agent: false, timeout: timeoutMs }), resolve));
}

/** One GET of `url`, no keep-alive (an idle kept-alive connection must not hold a graceful stop). */
export function getUrl(url: string, timeoutMs = 15_000): Promise<Outcome> {
  return new Promise((resolve) => collect(http.get(url, { agent: false, headers: { connection: 'close' }, timeout: timeoutMs }), resolve));
}

/** `send` every `everyMs` until stop(), which waits for every outcome. */
export function requestStream(send: () => Promise<Outcome>, everyMs: number) {
  const outcomes: Array<Promise<Outcome>> = [];
  const timer = setInterval(() => outcomes.push(send()), everyMs);
  return {
    async stop(): Promise<Outcome[]> {
      clearInterval(timer);
      return Promise.all(outcomes);
    },
  };
}

/** The outcomes that are not a 200. */
export function notOk(outcomes: readonly Outcome[]): Outcome[] {
  return outcomes.filter((o) => !('status' in o) || o.status !== 200);
}
