// A stand-in for the supervisor's control API: node:http on `<tmp app>/.muster/control.sock`,
// answering each `METHOD /path` from a table of handlers, and recording every request. Tests run
// the real CLI against it (runMuster) and look at its --json output, exit code and requests.

import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { MUSTER_JS } from '../../support/paths';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export type Handler = (request: RecordedRequest, res: http.ServerResponse) => void;

export interface FakeApi {
  readonly dir: string;
  readonly requests: RecordedRequest[];
  /** Resolves with the request once one for `METHOD /path` arrives (or at once if one has). */
  next(route: string): Promise<RecordedRequest>;
  close(): Promise<void>;
}

/** One temporary folder per test file (each runs in its own process), removed when it exits. */
let tempRoot: string | null = null;

/** A new app folder with an empty .muster/ in it. */
export function tempApp(): string {
  if (tempRoot === null) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-cli-'));
    process.on('exit', () => fs.rmSync(root, { recursive: true, force: true }));
    tempRoot = root;
  }
  const dir = fs.mkdtempSync(path.join(tempRoot, 'app-'));
  fs.mkdirSync(path.join(dir, '.muster'));
  return dir;
}

export function sendJson(res: http.ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendError(res: http.ServerResponse, status: number, code: string, message: string, extra: object = {}): void {
  sendJson(res, status, { error: { code, message, ...extra } });
}

/** Start an event stream (chunked, as node's http server sends it without a Content-Length). */
export function startEvents(res: http.ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
  res.flushHeaders();
}

export function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** `socketPath`: where to listen, when not the app folder's own control socket (an app tier's). */
export async function startFakeApi(routes: Record<string, Handler>, dir = tempApp(), socketPath = path.join(dir, '.muster', 'control.sock')): Promise<FakeApi> {
  const requests: RecordedRequest[] = [];
  const waiters: { route: string; resolve: (r: RecordedRequest) => void }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://muster');
      const text = Buffer.concat(chunks).toString('utf8');
      const request: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: url.searchParams, body: text === '' ? undefined : JSON.parse(text) };
      requests.push(request);
      const route = `${request.method} ${request.path}`;
      for (const w of waiters.splice(0)) {
        if (w.route === route) w.resolve(request);
        else waiters.push(w);
      }
      const handler = routes[route];
      if (handler === undefined) sendError(res, 404, 'not_found', `no such path: ${route}`);
      else handler(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  return {
    dir,
    requests,
    next: (route) => {
      const seen = requests.find((r) => `${r.method} ${r.path}` === route);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ route, resolve }));
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The environment of the CLI under test: no colours; NODE_EXTRA_CA_CERTS costs ~90 ms per start. */
function cliEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  delete env.NO_COLOR;
  return env;
}

const CLI_TIME_LIMIT_MS = 5000;

export function spawnMuster(args: readonly string[], env: Record<string, string> = {}): { child: ChildProcess; done: Promise<CliRun>; stdout: () => string } {
  const child = spawn(process.execPath, [MUSTER_JS, ...args], { env: { ...cliEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => {
    clearTimeout(guard);
    resolve({ code, signal, stdout, stderr });
  }));
  // A CLI that hangs fails its test (killed: code null) instead of hanging the whole file.
  const guard = setTimeout(() => child.kill('SIGKILL'), CLI_TIME_LIMIT_MS);
  return { child, done, stdout: () => stdout };
}

/** Run `muster -C dir ...args` to its end. */
export function runMuster(dir: string, ...args: string[]): Promise<CliRun> {
  return spawnMuster(['-C', dir, ...args]).done;
}
