// The control socket's HTTP layer: limits, JSON bodies, JSON errors, routing. Nothing a client
// sends (garbage, a huge or endless request, a disconnect in the middle) may throw out of here or
// keep the event loop busy: supervision shares this process.

import * as http from 'node:http';

export const MAX_BODY_BYTES = 64 * 1024;
const MAX_HEADER_BYTES = 16 * 1024;
const HEADERS_TIMEOUT_MS = 5000;
const REQUEST_TIMEOUT_MS = 10_000;
/** How often Node looks for requests over their timeout (its default, 30 s, is too lazy). */
const TIMEOUT_CHECK_MS = 1000;
const MAX_CONNECTIONS = 512;
/** A connection that sends no request for this long is closed (it holds one of MAX_CONNECTIONS). */
const IDLE_CONNECTION_MS = 10_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body (an object), or {} when there is none. */
  readonly body: Record<string, unknown>;
  readonly raw: http.IncomingMessage;
  readonly response: http.ServerResponse;
}

/** A handler answers with a JSON value, or takes over the response (an event stream) and returns undefined. */
export type Handler = (request: ApiRequest) => Promise<unknown> | unknown;
export type Routes = Record<string, Partial<Record<'GET' | 'POST', Handler>>>;

export function createApiServer(routes: Routes, onInternalError: (error: unknown) => void): http.Server {
  const server = http.createServer({
    maxHeaderSize: MAX_HEADER_BYTES,
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
    keepAliveTimeout: 5000,
    // Over a unix socket the Host header means nothing; without this Node answers 400 itself, with
    // no JSON body.
    requireHostHeader: false,
  });
  server.maxConnections = MAX_CONNECTIONS;
  // headersTimeout only runs once a request's first byte arrived; a silent connection needs this.
  server.setTimeout(IDLE_CONNECTION_MS);
  server.on('request', (req, res) => {
    // Answers may rightly take long (a stop with a 2 h stop_timeout, an event stream): no idle limit
    // while one is in progress; after it, keepAliveTimeout applies.
    req.socket.setTimeout(0);
    handle(routes, req, res).catch((error) => {
      onInternalError(error);
      sendError(res, new ApiError(500, 'internal', `internal error: ${(error as Error).message}`));
    });
  });
  // CONNECT (and protocol upgrades) bypass 'request': unanswered, Node would just drop the line.
  const refuseTunnel = (_req: http.IncomingMessage, socket: import('node:stream').Duplex) => {
    const body = JSON.stringify({ error: { code: 'method_not_allowed', message: 'CONNECT and protocol upgrades are not part of this API (docs/api.md)' } });
    socket.end(`HTTP/1.1 405 Method Not Allowed\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  };
  server.on('connect', refuseTunnel);
  server.on('upgrade', refuseTunnel);
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable || error.code === 'ECONNRESET') return void socket.destroy();
    const [status, code, message] =
      error.code === 'HPE_HEADER_OVERFLOW' ? [431, 'too_large', 'request headers over 16 KiB'] :
      error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? [408, 'timeout', 'the request took too long to arrive'] :
      [400, 'bad_request', `malformed HTTP request (${error.code ?? error.message})`];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
  return server;
}

async function handle(routes: Routes, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://muster');
  } catch {
    return sendError(res, new ApiError(400, 'bad_request', `bad request target ${JSON.stringify(req.url)}`));
  }
  const route = routes[url.pathname];
  if (!route) return drainThen(req, () => sendError(res, new ApiError(404, 'not_found', `no resource ${url.pathname}; see docs/api.md (paths start with /v1/)`)));
  const method = req.method === 'HEAD' ? 'GET' : req.method;
  const handler = method === 'GET' || method === 'POST' ? route[method] : undefined;
  if (!handler) {
    const allowed = Object.keys(route).join(', ');
    res.setHeader('Allow', allowed);
    return drainThen(req, () => sendError(res, new ApiError(405, 'method_not_allowed', `${req.method} is not allowed on ${url.pathname} (allowed: ${allowed})`)));
  }
  let body: Record<string, unknown> = {};
  try {
    if (method === 'POST') body = parseBody(await readBody(req));
    const result = await handler({ method: method as string, path: url.pathname, query: url.searchParams, body, raw: req, response: res });
    if (result !== undefined) sendJson(res, 200, result);
  } catch (error) {
    if (error instanceof ApiError) return sendError(res, error);
    throw error;
  }
}

/** Read what is left of a request we answer without it, so keep-alive stays in step. */
function drainThen(req: http.IncomingMessage, then: () => void): void {
  req.resume();
  then();
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_BODY_BYTES) {
      req.resume();
      return reject(new ApiError(413, 'too_large', `request body over ${MAX_BODY_BYTES} bytes`));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        reject(new ApiError(413, 'too_large', `request body over ${MAX_BODY_BYTES} bytes`));
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
    req.on('aborted', () => reject(new ApiError(400, 'bad_request', 'the client went away')));
  });
}

function parseBody(data: Buffer): Record<string, unknown> {
  if (data.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(data.toString('utf8'));
  } catch (error) {
    throw new ApiError(400, 'bad_request', `the body is not valid JSON: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ApiError(400, 'bad_request', 'the body must be a JSON object');
  return value as Record<string, unknown>;
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sendError(res: http.ServerResponse, error: ApiError): void {
  sendJson(res, error.status, { error: { code: error.code, message: error.message, ...error.extra } });
}
