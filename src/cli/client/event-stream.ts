// GET /v1/events: a server-sent event stream that stays open until the supervisor goes away.
// Kept apart from control-client.ts so that only `logs -f` loads the SSE reader.

import { apiError, parseJson, type ControlClient } from './control-client';
import { MalformedAnswerError } from './http-response';
import { SseParser, type ServerEvent } from './sse';
import { openExchange } from './unix-http';

export interface EventSubscription {
  /** Resolves once the supervisor accepted the stream (events are flowing from then on); rejects
   * with ConnectError or ApiError when it could not be opened. */
  readonly opened: Promise<void>;
  /** Resolves when an opened stream ends: null when the supervisor closed it (it went away), an
   * Error when the stream broke. Never rejects. */
  readonly ended: Promise<Error | null>;
  close(): void;
}

/** Open the event stream; each event goes to `onEvent` until the stream ends or `close()`. */
export function subscribe(client: ControlClient, pathAndQuery: string, onEvent: (event: ServerEvent) => void): EventSubscription {
  let status = 0;
  const errorBody: Buffer[] = [];
  const parser = new SseParser(onEvent);
  let opened!: { resolve: () => void; reject: (error: Error) => void };
  let ended!: (error: Error | null) => void;
  const openedPromise = new Promise<void>((resolve, reject) => (opened = { resolve, reject }));
  const endedPromise = new Promise<Error | null>((resolve) => (ended = resolve));
  const exchange = openExchange(client.socketPath, { method: 'GET', path: pathAndQuery }, {
    head: (head) => {
      status = head.status;
      if (status < 400) opened.resolve();
    },
    body: (data) => {
      if (status >= 400) {
        errorBody.push(data);
        return;
      }
      try {
        parser.push(data);
      } catch (error) {
        exchange.close();
        ended(error as Error);
      }
    },
    end: () => {
      if (status < 400) return ended(null);
      try {
        opened.reject(apiError(status, parseJson(Buffer.concat(errorBody).toString('utf8'), status)));
      } catch (error) {
        opened.reject(error as Error);
      }
      ended(null);
    },
    error: (error) => {
      // Once the stream is open, a reset or a cut means the supervisor went away: the end.
      if (status > 0 && status < 400) return ended(error instanceof MalformedAnswerError ? error : null);
      opened.reject(error);
      ended(null);
    },
  });
  return { opened: openedPromise, ended: endedPromise, close: () => exchange.close() };
}
