// The client of the control API (docs/api.md): requests to one control socket (target.ts says
// which), JSON in and out, API errors turned into ApiError. Each command keeps the raw text of an answer so that
// `--json` prints exactly what the API said.

import type { ApiErrorBody } from './api-types';
import { fetchAnswer, type Request } from './unix-http';

/** The API answered with an error body: `{ "error": { "code", "message", ... } }`. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly body: ApiErrorBody) {
    super(body.message);
  }

  get code(): string {
    return this.body.code;
  }
}

export interface Reply<T> {
  /** The answer's body as sent, for --json. */
  readonly text: string;
  readonly value: T;
}

/** `?name=a&name=b&lines=20`: arrays repeat the key; undefined values are left out. */
export function queryString(params: Record<string, string | number | readonly string[] | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) parts.push(`${key}=${encodeURIComponent(String(v))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/** What a request that answers at once (status, logs, a signal) may take before we give up. The
 * ones that wait for processes (start, stop, restart, apply, wait, down) have no such bound. */
export const QUICK_ANSWER_MS = 10_000;

export class ControlClient {
  constructor(readonly socketPath: string) {}

  /** Reading never waits for processes: bounded by QUICK_ANSWER_MS. */
  get<T>(pathAndQuery: string): Promise<Reply<T>> {
    return this.send<T>({ method: 'GET', path: pathAndQuery }, QUICK_ANSWER_MS);
  }

  /** `quick`: the request answers at once (a signal, a dry run), so a silent supervisor is an error. */
  post<T>(pathAndQuery: string, body: unknown, quick = false): Promise<Reply<T>> {
    return this.send<T>({ method: 'POST', path: pathAndQuery, body }, quick ? QUICK_ANSWER_MS : undefined);
  }

  private async send<T>(request: Request, timeoutMs: number | undefined): Promise<Reply<T>> {
    const answer = await fetchAnswer(this.socketPath, request, timeoutMs);
    const text = answer.body.toString('utf8');
    const value = parseJson(text, answer.status);
    if (answer.status >= 400) throw apiError(answer.status, value);
    return { text, value: value as T };
  }
}

export function parseJson(text: string, status: number): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the supervisor answered ${status} with a body that is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
  }
}

export function apiError(status: number, value: unknown): ApiError {
  const error = (value as { error?: Partial<ApiErrorBody> } | null)?.error;
  const code = typeof error?.code === 'string' ? error.code : `http_${status}`;
  const message = typeof error?.message === 'string' ? error.message : `the supervisor answered ${status}`;
  return new ApiError(status, { ...error, code, message });
}
