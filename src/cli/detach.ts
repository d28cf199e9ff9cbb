// `muster up -d`: start the supervisor as a detached child (its own session, no terminal), wait
// until it holds the control socket, then until every process reached its start condition (or
// failed), print the status table and exit: 0 when everything started, 1 when something did not.
// The child reports on a pipe (fd 3) whether it started, or why not (a config error, another
// supervisor already running); what it prints goes to muster.log in the state folder (.muster/).

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { appPaths, makeAppFolders, shownPath } from './app-paths';
import { DETACHED_ENV, type UpOptions } from './up-command';
import { liveStatFields } from '../os/proc-stat';

/** The longest a start may take (probes have their own timeouts; this only bounds a hang). */
const START_WAIT_MS = 24 * 3_600_000;

export async function runDetached(options: UpOptions): Promise<number> {
  const root = path.resolve(options.dir);
  const paths = appPaths(root, options.environ);
  // Its log goes there, so the folder must be usable before the child exists (the child checks too).
  const folderProblem = makeAppFolders(paths);
  if (folderProblem !== null) {
    process.stderr.write(`muster: ${folderProblem}\nmuster: nothing was started\n`);
    return 2;
  }
  const logFd = fs.openSync(paths.supervisorLog, 'a', 0o640);
  const entry = path.join(__dirname, 'main.js');
  const args = [entry, '-C', options.dir, 'up', ...(options.quiet ? ['-q'] : [])];
  const child = spawn(process.execPath, args, {
    detached: true, // its own session: no terminal, no SIGHUP or Ctrl-C from ours
    stdio: ['ignore', logFd, logFd, 'pipe'],
    env: { ...options.environ, [DETACHED_ENV]: '3' },
    cwd: options.dir,
  });
  fs.closeSync(logFd);
  const exited = new Promise<number>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))));

  // The child's report: `warning "..."` lines, then `started`, or why it did not start.
  const reportPipe = child.stdio[3] as NodeJS.ReadableStream;
  const firstLine = await new Promise<string | null>((resolve) => {
    let text = '';
    reportPipe.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n')) {
        const line = text.slice(0, nl);
        text = text.slice(nl + 1);
        if (line.startsWith('warning ')) process.stderr.write(`muster: ${JSON.parse(line.slice('warning '.length)) as string}\n`);
        else return resolve(line);
      }
    });
    reportPipe.on('end', () => resolve(text.length > 0 ? text : null));
    reportPipe.on('error', () => resolve(null));
  });
  (reportPipe as unknown as { destroy(): void }).destroy();

  if (firstLine !== 'started') {
    const code = await exited;
    if (firstLine?.startsWith('config-error ')) process.stderr.write(JSON.parse(firstLine.slice('config-error '.length)) as string);
    else if (firstLine?.startsWith('error ')) process.stderr.write(`muster: ${JSON.parse(firstLine.slice('error '.length)) as string}\n`);
    else process.stderr.write(`muster: the supervisor exited (code ${code}) before it started; see ${paths.supervisorLog}\n`);
    return code === 0 ? 1 : code;
  }
  child.unref();

  const waited = await requestJson(paths.controlSocket, 'POST', '/v1/wait', { names: ['all'], for: 'ready', timeout_ms: START_WAIT_MS });
  // A `muster down` (or a signal) while it was starting: the wait ends because everything stopped,
  // and the supervisor is gone or going. That is not a start that failed with the supervisor kept.
  if (waited === null || waited.ok !== true) {
    const stopped = await stoppedMeanwhile(child.pid!, paths.controlSocket);
    if (stopped === true) {
      process.stderr.write(`muster: the supervisor (pid ${child.pid}) was stopped (muster down, or a signal) while it was starting; nothing runs; see ${shownPath(root, paths.supervisorLog)}\n`);
      return 1;
    }
    if (waited === null || stopped === null) {
      process.stderr.write(`muster: the supervisor (pid ${child.pid}) did not answer; see "muster status" and ${paths.supervisorLog}\n`);
      return 1;
    }
  }
  // The same table (or JSON) `muster status` prints; what muster says about it goes to stderr.
  const { main } = await import('./main');
  await main(['-C', options.dir, 'status', ...(options.json ? ['--json'] : [])]);
  const ok = waited.ok === true;
  process.stderr.write(ok
    ? `muster: supervisor pid ${child.pid} runs ${root} in the background (its log: ${shownPath(root, paths.supervisorLog)}; stop it with "muster down")\n`
    : `muster: not every process started (see "muster logs"); the supervisor (pid ${child.pid}) keeps running: fix and "muster restart NAME", or "muster down"\n`);
  return ok ? 0 : 1;
}

/** How often, and how long apart, to ask a supervisor that dropped the connection once more. */
const STOPPED_CHECKS = 20;
const STOPPED_CHECK_MS = 100;

/** Was the supervisor stopped while it was starting (gone, or stopping)? null: it does not answer. */
async function stoppedMeanwhile(pid: number, socketPath: string): Promise<boolean | null> {
  for (let check = 0; check < STOPPED_CHECKS; check++) {
    if (liveStatFields(pid) === null || !fs.existsSync(socketPath)) return true;
    const app = await requestJson(socketPath, 'GET', '/v1/app');
    if (app !== null) return app.stopping === true;
    // A supervisor closing its socket drops the connections it has not answered, then unlinks it.
    await new Promise((resolve) => setTimeout(resolve, STOPPED_CHECK_MS));
  }
  return null;
}

/** One JSON request on the control socket; null when it could not be made or answered. */
function requestJson(socketPath: string, method: 'GET' | 'POST', urlPath: string, body?: unknown): Promise<{ ok?: boolean; stopping?: boolean } | null> {
  return new Promise((resolve) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const headers = body === undefined ? {} : { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) };
    const req = http.request({ socketPath, path: urlPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as { ok?: boolean; stopping?: boolean });
        } catch {
          resolve(null);
        }
      });
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.end(data);
  });
}
