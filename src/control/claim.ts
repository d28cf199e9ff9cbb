// One supervisor per app folder. The control socket is the lock: bind(2) on a path that exists
// fails, atomically, so of two `muster up` started together exactly one gets it. A socket file
// that nobody listens on was left by a supervisor that died: it is replaced, under a short-lived
// takeover file so that two newcomers cannot both replace it (and one unlink the other's socket).
// A live socket is never touched, nor a file that is not a socket. A supervisor whose socket file
// was removed (`rm -rf .muster`) still runs the app: the kernel keeps the name its socket was bound
// to, so a newcomer that got the path finds it there (os/unix-listeners.ts) and gives the path back.
// Each supervisor remembers which file is its socket (device, inode and modification time: a file
// made since may get the freed inode number), so that at exit it removes only its own.

import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { replaceFile } from '../os/replace-file';
import { socketHolders, unixListeners } from '../os/unix-listeners';

/** Which file a path named when we made it: a file put there since is not ours to remove. */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
  /** An inode number is reused as soon as it is freed; the time in ns tells the files apart. */
  readonly mtimeNs: bigint;
}

export type ClaimResult =
  /** `replaced`: a dead supervisor's socket was replaced. `socket`: the file we bound. */
  | { readonly ok: true; readonly replaced: boolean; readonly socket: FileIdentity | null }
  | { readonly ok: false; readonly kind: 'running'; readonly pid: number | null }
  /** A live supervisor whose socket file is gone: nothing can reach it (pid null: not ours to read). */
  | { readonly ok: false; readonly kind: 'unreachable'; readonly pid: number | null }
  | { readonly ok: false; readonly kind: 'error'; readonly message: string };

/** Only the owner may connect (mode 0600): the socket is born with it, never wider. */
const SOCKET_UMASK = 0o177;
const PROBE_TIMEOUT_MS = 1000;
/** A takeover file older than this was left by a newcomer that died in the middle. */
const STALE_TAKEOVER_MS = 10_000;
const TAKEOVER_RETRY_MS = 50;
const TAKEOVER_ATTEMPTS = 100;

export async function claimControlSocket(server: http.Server, socketPath: string, pidFile: string): Promise<ClaimResult> {
  for (let attempt = 0; attempt < TAKEOVER_ATTEMPTS; attempt++) {
    const bound = await listen(server, socketPath);
    if (bound === null) return claimed(server, socketPath, false);
    if (bound !== 'EADDRINUSE') return { ok: false, kind: 'error', message: `cannot create the control socket ${socketPath}: ${bound}` };

    let stat: fs.Stats;
    try {
      stat = fs.lstatSync(socketPath);
    } catch {
      continue; // it vanished meanwhile: bind again
    }
    if (!stat.isSocket()) {
      return { ok: false, kind: 'error', message: `${socketPath} exists and is not a socket; muster leaves it alone: move it away, then start again` };
    }
    if (await answers(socketPath)) return { ok: false, kind: 'running', pid: readPid(pidFile) };

    // Nobody listens: a supervisor died and left it. Replace it, one newcomer at a time.
    const takeover = `${socketPath}.takeover`;
    if (!tryCreate(takeover)) {
      removeIfOlder(takeover, STALE_TAKEOVER_MS);
      await sleep(TAKEOVER_RETRY_MS);
      continue;
    }
    try {
      if (await answers(socketPath)) return { ok: false, kind: 'running', pid: readPid(pidFile) };
      try {
        fs.unlinkSync(socketPath);
      } catch {
        /* gone already */
      }
      const again = await listen(server, socketPath);
      if (again === null) return claimed(server, socketPath, true);
      if (again !== 'EADDRINUSE') return { ok: false, kind: 'error', message: `cannot create the control socket ${socketPath}: ${again}` };
    } finally {
      fs.rmSync(takeover, { force: true });
    }
  }
  return { ok: false, kind: 'error', message: `could not take over ${socketPath}: other muster processes keep racing for it` };
}

/** The path is ours, unless a supervisor that lost its socket file still listens on the same name. */
function claimed(server: http.Server, socketPath: string, replaced: boolean): ClaimResult {
  const listeners = unixListeners((bound) => samePath(bound, socketPath));
  if (listeners.size > 1) {
    server.close(); // unlinks the socket we just made, which nobody else uses
    return { ok: false, kind: 'unreachable', pid: socketHolders(listeners, process.pid)[0] ?? null };
  }
  return { ok: true, replaced, socket: identityOf(socketPath) };
}

/** The same socket path, also when reached through a symlinked app folder. */
function samePath(a: string, b: string): boolean {
  if (a === b) return true;
  if (path.basename(a) !== path.basename(b)) return false;
  try {
    return fs.realpathSync.native(path.dirname(a)) === fs.realpathSync.native(path.dirname(b));
  } catch {
    return false;
  }
}

export function identityOf(file: string): FileIdentity | null {
  try {
    return identityIn(fs.lstatSync(file, { bigint: true }));
  } catch {
    return null;
  }
}

function identityIn(stat: fs.BigIntStats): FileIdentity {
  return { dev: stat.dev, ino: stat.ino, mtimeNs: stat.mtimeNs };
}

/** Is `file` still the one we made? */
export function isSameFile(file: string, identity: FileIdentity | null): boolean {
  const now = identityOf(file);
  return identity !== null && now !== null && now.dev === identity.dev && now.ino === identity.ino && now.mtimeNs === identity.mtimeNs;
}

/**
 * Under a host tier the control socket is inherited (listen-fds.ts): the host made it with its
 * owner, group and mode and holds it while app tiers come and go, so nothing here may unlink,
 * chmod or replace it, and there is no lock to take (the host runs one tier per app). The server
 * listens on the fd as it is; closing it later closes our fd only (libuv unlinks a path only when
 * it bound it). Returns null when listening, else why not.
 */
export function serveInheritedSocket(server: http.Server, fd: number): Promise<string | null> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      resolve(`cannot serve the control socket the host tier passed (fd ${fd}): ${error.code ?? error.message}`);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(null);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ fd });
  });
}

/** Bind and listen; null when done, else the error code. */
function listen(server: http.Server, socketPath: string): Promise<string | null> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      resolve(error.code ?? error.message);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve(null);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    // bind(2) happens inside listen(), synchronously: the umask covers exactly that.
    const previous = process.umask(SOCKET_UMASK);
    try {
      server.listen(socketPath);
    } finally {
      process.umask(previous);
    }
  });
}

/** Does a live supervisor listen there? */
export function answers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(socketPath);
    const done = (live: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(live);
    };
    // Connected but silent (a supervisor busy for a second) is still a live one.
    const timer = setTimeout(() => done(true), PROBE_TIMEOUT_MS);
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export function readPid(pidFile: string): number | null {
  try {
    const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Returns which file it wrote, so that only that one is removed at exit; or why it could not. */
export function writePid(pidFile: string, pid: number): FileIdentity | { readonly problem: string } {
  try {
    const fd = replaceFile(pidFile, `${pid}\n`, 0o644);
    try {
      return identityIn(fs.fstatSync(fd, { bigint: true }));
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    return { problem: (error as Error).message };
  }
}

function tryCreate(file: string): boolean {
  try {
    fs.closeSync(fs.openSync(file, 'wx', 0o600));
    return true;
  } catch {
    return false;
  }
}

function removeIfOlder(file: string, ms: number): void {
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > ms) fs.rmSync(file, { force: true });
  } catch {
    /* gone */
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
