// Spawning instances with child_process: each in its own session and process group (detached), so
// the terminal's Ctrl-C reaches only muster and a group signal reaches everything the instance forked.

import { spawn as spawnChild, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ExitStatus } from '../core/states';
import type { ExitReport, SpawnRequest, SpawnResult, Spawner, SpawnedChild } from './ports';

/** How long to wait, after the main process exited, for its pipes to reach EOF. Only used when
 * something outside its process group (a daemon that called setsid) still holds them. */
const EOF_WAIT_MS = 1000;

/** Find the program the way execvp would, so a missing or non-executable command is reported by
 * name instead of as a generic spawn error. */
export function resolveProgram(program: string, cwd: string, pathVar: string | undefined): { ok: true; file: string } | { ok: false; reason: string } {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(':').filter(Boolean).map((dir) => path.join(path.resolve(cwd, dir), program));
  let denied: string | null = null;
  for (const file of candidates) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      continue;
    }
    if (!stat.isFile()) {
      if (program.includes('/')) return { ok: false, reason: `${file} is not a regular file` };
      continue;
    }
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return { ok: true, file };
    } catch {
      denied ??= file;
    }
  }
  if (denied) return { ok: false, reason: `${denied} is not executable (EACCES); fix with chmod +x ${denied}` };
  if (program.includes('/')) return { ok: false, reason: `${candidates[0]} not found (ENOENT)` };
  return { ok: false, reason: `${program} not found in PATH (ENOENT); PATH=${pathVar ?? ''}` };
}

/** Why execve failed on a file we know is executable: most often a script whose #! line names an
 * interpreter that is not there. */
function interpreterProblem(file: string): string {
  let head = '';
  try {
    const fd = fs.openSync(file, 'r');
    const buffer = Buffer.alloc(256);
    head = buffer.subarray(0, fs.readSync(fd, buffer, 0, 256, 0)).toString('latin1');
    fs.closeSync(fd);
  } catch {
    return '';
  }
  if (!head.startsWith('#!')) return '';
  const interpreter = head.slice(2).split('\n')[0]!.trim().split(/\s+/)[0] ?? '';
  if (interpreter && !fs.existsSync(interpreter)) return `: the interpreter ${interpreter} named on its #! line does not exist (ENOENT)`;
  return `: its #! line names ${interpreter}`;
}

function groupHasMembers(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** LISTEN_PID must be the pid of the program that gets the sockets (uwsgi refuses them otherwise,
 * gunicorn silently binds 127.0.0.1:8000 instead: FIELD-NOTES §4), and that pid is known only in
 * the child: a shell sets it and execs the program in place, so the pid stays the same. */
const LISTEN_SHELL = '/bin/sh';
const LISTEN_SCRIPT = 'LISTEN_PID=$$; export LISTEN_PID; exec "$@"';

export const nodeSpawner: Spawner = {
  spawn(request: SpawnRequest): SpawnResult {
    try {
      if (!fs.statSync(request.cwd).isDirectory()) return { ok: false, reason: `cwd ${request.cwd} is not a directory` };
    } catch {
      return { ok: false, reason: `cwd ${request.cwd} does not exist` };
    }
    const [program, ...args] = request.argv;
    if (program === undefined) return { ok: false, reason: 'empty command' };
    const found = resolveProgram(program, request.cwd, request.env.PATH);
    if (!found.ok) return found;

    const listen = request.listen;
    let cp: ChildProcess;
    try {
      cp = listen === undefined || listen.fds.length === 0
        ? spawnChild(found.file, args, { argv0: program, cwd: request.cwd, env: request.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawnChild(LISTEN_SHELL, ['-c', LISTEN_SCRIPT, 'sh', found.file, ...args], {
          cwd: request.cwd,
          env: { ...request.env, LISTEN_FDS: String(listen.fds.length), LISTEN_FDNAMES: listen.names.join(':') },
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe', ...listen.fds],
        });
    } catch (error) {
      // Thrown before any process exists: E2BIG (an argument or variable over 128 KiB), EINVAL...
      const code = (error as NodeJS.ErrnoException).code;
      const why = code === 'E2BIG' ? 'the command line or the environment is too large (E2BIG: one argument or variable is over 128 KiB, or all of them over the system limit)' : (error as Error).message;
      return { ok: false, reason: `cannot execute ${found.file}: ${why}` };
    }
    cp.on('error', () => undefined); // reported below through the missing pid
    if (cp.pid === undefined || !cp.stdout || !cp.stderr) {
      cp.stdout?.destroy();
      cp.stderr?.destroy();
      return { ok: false, reason: `cannot execute ${found.file}${interpreterProblem(found.file)}` };
    }
    const pid = cp.pid;
    const stdout = cp.stdout;
    const stderr = cp.stderr;

    let status: ExitStatus | null = null;
    let outputEnded = false;
    let listener: ((status: ExitStatus, report?: ExitReport) => void) | null = null;
    let fired = false;
    let eofTimer: NodeJS.Timeout | null = null;
    let exitedAt = 0;
    let gaveUpOnEof = false;
    const fire = () => {
      if (fired || !status || !listener) return;
      fired = true;
      if (eofTimer) clearTimeout(eofTimer);
      listener(status, { lateByMs: Math.max(0, Date.now() - exitedAt), pipesHeld: gaveUpOnEof });
    };
    cp.on('exit', (code, signal) => {
      status = { code, signal };
      exitedAt = Date.now();
      // Output is read to EOF before the exit is reported. If members of the group are still alive
      // they may hold the pipes for ever (that is what stopping them is for), so report at once.
      if (outputEnded || groupHasMembers(pid)) fire();
      else eofTimer = setTimeout(() => {
        gaveUpOnEof = true;
        fire();
      }, EOF_WAIT_MS);
    });
    // EOF of both pipes, as soon as it is read ('end'), rather than after the handles are closed
    // ('close', a loop phase later): this is on the respawn path. The microtask lets the other
    // 'end' listeners (the capture writing a last partial line) run first.
    const outputEndListeners: Array<() => void> = [];
    let ended = 0;
    const streamEnded = () => {
      if (outputEnded || ++ended < 2) return;
      outputEnded = true;
      fire();
      for (const l of outputEndListeners.splice(0)) l();
    };
    for (const stream of [stdout, stderr]) {
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        queueMicrotask(streamEnded);
      };
      stream.once('end', once);
      stream.once('close', once); // an error ends a stream without 'end'
    }

    const child: SpawnedChild = {
      pid,
      stdout,
      stderr,
      onOutputClosed(fn) {
        if (outputEnded) fn();
        else outputEndListeners.push(fn);
      },
      onExit(fn) {
        listener = fn;
        fire();
      },
    };
    return { ok: true, child };
  },
};
