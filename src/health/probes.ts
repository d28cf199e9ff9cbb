// Readiness probes. connect/http/exec have no event to wait for, so they retry on a growing delay
// (50 ms up to 250 ms) until they pass or their timeout expires; `log` waits for a matching output line.

import { spawn } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { ReadyProbe } from '../config/model';
import type { LineListener } from '../logs/capture';

export interface ProbeContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  onLine(listener: LineListener): () => void;
}

export type ProbeResult = { readonly passed: true } | { readonly passed: false; readonly reason: string };

export interface RunningProbe {
  cancel(): void;
}

type Attempt = (done: (ok: boolean, detail: string) => void) => () => void;

const FIRST_RETRY_MS = 50;
const MAX_RETRY_MS = 250;

export function describeProbe(probe: ReadyProbe): string {
  switch (probe.kind) {
    case 'connect': return `connect ${probe.target}`;
    case 'http': return `http ${probe.url}`;
    case 'exec': return `exec ${probe.command}`;
    case 'log': return `log /${probe.pattern}/`;
  }
}

export function startProbe(probe: ReadyProbe, ctx: ProbeContext, report: (result: ProbeResult) => void): RunningProbe {
  let finished = false;
  const finish = (result: ProbeResult) => {
    if (finished) return;
    finished = true;
    cleanup();
    report(result);
  };
  const deadline = setTimeout(
    () => finish({ passed: false, reason: `probe ${describeProbe(probe)} did not pass within ${probe.timeoutMs / 1000}s${lastDetail ? ` (last: ${lastDetail})` : ''}` }),
    probe.timeoutMs,
  );
  let lastDetail = '';
  let cleanup = () => clearTimeout(deadline);

  if (probe.kind === 'log') {
    let regex: RegExp;
    try {
      regex = new RegExp(probe.pattern);
    } catch (error) {
      finish({ passed: false, reason: `invalid pattern: ${(error as Error).message}` });
      return { cancel: () => undefined };
    }
    const off = ctx.onLine((line) => regex.test(line) && finish({ passed: true }));
    cleanup = () => { clearTimeout(deadline); off(); };
    return { cancel: () => { finished = true; cleanup(); } };
  }

  const attempt: Attempt = probe.kind === 'connect' ? connectAttempt(probe.target) : probe.kind === 'http' ? httpAttempt(probe.url) : execAttempt(probe.command, ctx);
  let delay = FIRST_RETRY_MS;
  let retry: NodeJS.Timeout | null = null;
  let abortAttempt: (() => void) | null = null;
  const run = () => {
    retry = null;
    let answered = false; // an attempt may report twice (e.g. 'error' then 'exit'): count it once
    abortAttempt = attempt((ok, detail) => {
      if (answered) return;
      answered = true;
      abortAttempt = null;
      if (finished) return;
      if (ok) return finish({ passed: true });
      lastDetail = detail;
      retry = setTimeout(run, delay);
      delay = Math.min(MAX_RETRY_MS, delay * 2);
    });
  };
  cleanup = () => {
    clearTimeout(deadline);
    if (retry) clearTimeout(retry);
    abortAttempt?.();
  };
  run();
  return { cancel: () => { finished = true; cleanup(); } };
}

function connectAttempt(target: string): Attempt {
  const colon = target.lastIndexOf(':');
  const isTcp = !target.startsWith('/') && colon > 0 && /^\d+$/.test(target.slice(colon + 1));
  return (done) => {
    const socket = isTcp ? net.connect({ host: target.slice(0, colon), port: Number(target.slice(colon + 1)) }) : net.connect({ path: target });
    socket.once('connect', () => { socket.destroy(); done(true, ''); });
    socket.once('error', (error: NodeJS.ErrnoException) => { socket.destroy(); done(false, error.code ?? error.message); });
    return () => socket.destroy();
  };
}

function httpAttempt(url: string): Attempt {
  const client = url.startsWith('https:') ? https : http;
  return (done) => {
    const request = client.get(url, { timeout: 5000 }, (response) => {
      response.resume();
      const status = response.statusCode ?? 0;
      done(status >= 200 && status < 300, `HTTP ${status}`);
    });
    request.once('timeout', () => request.destroy(new Error('timed out')));
    request.once('error', (error: NodeJS.ErrnoException) => done(false, error.code ?? error.message));
    return () => request.destroy();
  };
}

function execAttempt(command: string, ctx: ProbeContext): Attempt {
  return (done) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd: ctx.cwd, env: ctx.env, stdio: 'ignore', detached: true });
    child.once('error', (error) => done(false, error.message));
    child.once('exit', (code, signal) => done(code === 0, signal ? `killed by ${signal}` : `exit code ${code}`));
    return () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch { /* already gone */ }
    };
  };
}
