// Runs the real `muster up` on an app folder for integration tests: waits on events (lines of
// output, files, /proc), never on fixed sleeps.

import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CASE_HELPERS, MUSTER_JS } from './paths';

export function tempApp(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-it-'));
  const app = path.join(root, 'app');
  fs.mkdirSync(app);
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(app, name)), { recursive: true });
    fs.writeFileSync(path.join(app, name), text.replaceAll('$T', root).replaceAll('$HELPERS', CASE_HELPERS));
  }
  return app;
}

export interface RunningUp {
  readonly child: ChildProcess;
  readonly dir: string;
  output(): string;
  /** Resolves with the output once `pattern` appears in it. */
  waitFor(pattern: RegExp | string, timeoutMs?: number): Promise<string>;
  /** Resolves with the exit code (or 128+signal) once muster exits. */
  exited(timeoutMs?: number): Promise<number>;
  signal(signal: NodeJS.Signals): void;
}

export function startUp(dir: string, args: string[] = [], env: Record<string, string> = {}): RunningUp {
  const child = spawn(process.execPath, [MUSTER_JS, '-C', dir, 'up', ...args], {
    env: { ...process.env, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchUp(child, dir);
}

/** The same for a `muster up` started some other way (with inherited fds, through a shell); its
 * stdout and stderr must be pipes. */
export function watchUp(child: ChildProcess, dir: string): RunningUp {
  let text = '';
  const waiters = new Set<() => void>();
  const onData = (b: Buffer) => {
    text += b.toString();
    for (const w of [...waiters]) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  let exitCode: number | null = null;
  const exitWaiters: Array<(code: number) => void> = [];
  child.on('exit', (code, signal) => {
    exitCode = code ?? 128 + (os.constants.signals[signal as NodeJS.Signals] ?? 0);
    for (const w of exitWaiters) w(exitCode);
    for (const w of [...waiters]) w();
  });
  return {
    child,
    dir,
    output: () => text,
    waitFor(pattern, timeoutMs = 20_000) {
      const test = () => (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text));
      return new Promise((resolve, reject) => {
        if (test()) return resolve(text);
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; output so far:\n${text}`));
        }, timeoutMs);
        const check = () => {
          if (test()) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(text);
          } else if (exitCode !== null) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`muster exited (${exitCode}) before ${pattern} appeared; output:\n${text}`));
          }
        };
        waiters.add(check);
      });
    },
    exited(timeoutMs = 30_000) {
      if (exitCode !== null) return Promise.resolve(exitCode);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`muster did not exit within ${timeoutMs} ms; output:\n${text}`)), timeoutMs);
        exitWaiters.push((c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
    },
    signal(signal) {
      child.kill(signal);
    },
  };
}

/** Live (non-zombie) pids whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Live pids whose command line contains `needle`. */
export function pidsMatching(needle: string): number[] {
  const found: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${name}/cmdline`, 'latin1').replaceAll('\0', ' ');
      const state = fs.readFileSync(`/proc/${name}/stat`, 'latin1');
      if (state.slice(state.lastIndexOf(')') + 2, state.lastIndexOf(')') + 3) === 'Z') continue;
      if (cmd.includes(needle)) found.push(Number(name));
    } catch {
      /* gone */
    }
  }
  return found;
}

/** Pids muster reported for an instance, in order, from its "(pid N)" lifecycle lines. */
export function reportedPids(output: string, instance: string): number[] {
  const re = new RegExp(`\\s${instance.replace('.', '\\.')}\\s+= \\S+ -> (?:running|ready) \\(pid (\\d+)\\)`, 'g');
  return [...output.matchAll(re)].map((m) => Number(m[1]));
}

export async function waitUntil(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(200, delay * 2);
  }
}
