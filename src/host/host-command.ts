// `muster host`: the root host tier's composition root (docs/host.md). Reads the registrations,
// prepares each app's folders and sockets, keeps one app tier per app running as the app's user
// (host-apps.ts), serves its status on RUN/host.sock, reads the registrations again on SIGHUP or
// `muster host reload` (only what changed is touched), and on SIGTERM/SIGINT stops every tier and
// waits for them all (a second signal kills them), then removes its sockets and exits 0.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type * as http from 'node:http';
import { formatDiagnostic } from '../config/diagnostics';
import { ApiError, createApiServer } from '../control/http-server';
import { LinuxProcessGroups } from '../os/process-groups';
import { closeStrayFds } from '../os/stray-fds';
import { HostApps } from './host-apps';
import { hostRoutes, type HostView } from './host-api';
import { DEFAULT_APPS_DIR, DEFAULT_LOG_BASE, DEFAULT_RUN_BASE, DEFAULT_STATE_BASE, hostPidFile, hostSocketFile, type HostBases } from './host-paths';
import { claimHostPid } from './host-lock';
import { folderTrustProblem, loadRegistrations } from './registration';
import type { ReloadAction } from './reload-plan';

export interface HostOptions {
  readonly apps?: string;
  readonly run?: string;
  readonly state?: string;
  readonly log?: string;
  readonly environ: Readonly<Record<string, string | undefined>>;
  readonly err: (text: string) => void;
}

export async function runHost(options: HostOptions): Promise<number> {
  // First of all: an fd root's shell left open must not reach any app tier (os/stray-fds.ts).
  closeStrayFds();
  const log = (text: string) => options.err(`${new Date().toISOString()} muster host: ${text}\n`);
  if (process.getuid?.() !== 0) {
    options.err('muster host: must run as root (it creates the apps\' sockets and starts each app tier as its user); try: sudo muster host\n');
    return 2;
  }
  const appsDir = path.resolve(options.apps ?? DEFAULT_APPS_DIR);
  const bases: HostBases = {
    runBase: path.resolve(options.run ?? options.environ.MUSTER_RUN_DIR ?? DEFAULT_RUN_BASE),
    stateBase: path.resolve(options.state ?? DEFAULT_STATE_BASE),
    logBase: path.resolve(options.log ?? DEFAULT_LOG_BASE),
  };
  // A folder that cannot be read (a mistyped --apps) is the operator's error, not "no app".
  const set = loadRegistrations(appsDir, { runBase: bases.runBase });
  if (set.folderProblem !== null) {
    options.err(`muster host: ${set.folderProblem}; nothing was started (--apps names the folder of the registrations)\n`);
    return 2;
  }
  fs.mkdirSync(bases.runBase, { recursive: true, mode: 0o755 });
  for (const base of [bases.stateBase, bases.logBase]) fs.mkdirSync(base, { recursive: true, mode: 0o755 });
  const lock = claimHostPid(hostPidFile(bases.stateBase));
  if (!lock.ok) {
    options.err(`muster host: ${lock.message}\n`);
    return 2;
  }

  const hostSock = hostSocketFile(bases.runBase);
  const startedAt = Date.now();
  let signals = 0;
  const apps = new HostApps({
    bases,
    environ: options.environ,
    groups: new LinuxProcessGroups(),
    log,
    mainJs: path.resolve(__dirname, '..', 'cli', 'main.js'),
  });
  const reload = (): ReloadAnswer => {
    const again = loadRegistrations(appsDir, { runBase: bases.runBase, runsAsIs: apps.runsAsIs });
    // A folder others may write: whatever is in it now, or missing from it, may be theirs. At the
    // host's start that refuses every app; at a reload it changes nothing (not even a removal).
    const distrust = folderTrustProblem(appsDir);
    const problem = again.folderProblem ?? (distrust === null ? null : `${distrust} (fix: chown root:root and chmod go-w each folder named, then reload)`);
    if (problem !== null) {
      log(`reload: ${problem}; nothing was changed`);
      return { ok: false, problem: `${problem}; nothing was changed` };
    }
    const plan = apps.apply(again);
    const changes = plan.filter((a) => a.kind !== 'unchanged');
    log(`reload: ${changes.length === 0 ? 'no registration changed' : changes.map((a) => `${a.app} ${a.kind}`).join(', ')}`);
    return { ok: true, plan };
  };
  const view = (): HostView => ({ host: { pid: process.pid, started_at: startedAt }, apps: apps.view() });
  const server = createApiServer(hostRoutes(view, () => {
    if (signals > 0) throw new ApiError(409, 'host_stopping', 'the host is stopping: nothing was changed');
    const answer = reload();
    if (!answer.ok) throw new ApiError(422, 'registrations_unusable', answer.problem);
    return { actions: answer.plan.map(actionView) };
  }), (error) => log(`internal error in the host API: ${(error as Error).stack ?? error}`));
  const listening = await listenHostSocket(server, hostSock);
  if (listening !== null) {
    lock.release();
    options.err(`muster host: ${listening}\n`);
    return 1;
  }
  log(`started (pid ${process.pid}); registrations in ${appsDir}; run ${bases.runBase}, state ${bases.stateBase}, logs ${bases.logBase}; status: muster host status; after changing a registration: muster host reload (or SIGHUP)`);

  process.on('uncaughtException', (error) => log(`internal error (the host keeps running): ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => log(`internal error (the host keeps running): ${String(error)}`));
  process.on('SIGPIPE', () => undefined);

  let resolveSignal: () => void = () => undefined;
  const firstSignal = new Promise<void>((resolve) => (resolveSignal = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log(`${signal}: stopping every app tier gracefully (each stops its processes with their stop signals and timeouts); send it again to kill them`);
      resolveSignal();
    } else if (signals === 2) {
      log(`${signal} again: killing every app tier and its processes now`);
      apps.forceKill();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('SIGHUP', () => {
    if (signals > 0) return log('SIGHUP ignored: the host is stopping');
    log('SIGHUP: reading the registrations again');
    reload();
  });
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);

  // Each app is listed (starting) from now on; one app's previous tier taking long to stop holds up
  // no other app.
  apps.apply(set);
  if (set.registrations.length + set.refused.length === 0) log(`no app is registered in ${appsDir}`);

  await firstSignal;
  await apps.stopAll();
  clearInterval(keepAlive);
  server.close();
  server.closeAllConnections();
  fs.rmSync(hostSock, { force: true });
  lock.release();
  log('every app tier stopped; bye');
  return 0;
}

type ReloadAnswer = { ok: true; plan: ReloadAction[] } | { ok: false; problem: string };

/** One action of a reload as the API shows it (docs/host.md). */
function actionView(action: ReloadAction): { app: string; action: string; problem: string | null } {
  const problem = action.kind === 'refuse' || action.kind === 'keepDespite' ? action.refused.diagnostics.map(formatDiagnostic).join('; ') : null;
  const name = action.kind === 'keepDespite' ? 'kept' : action.kind === 'refuse' ? 'refused' : action.kind;
  return { app: action.app, action: name, problem };
}

/** host.sock, root:root 0600 from the first moment (umask before bind). A live one means another
 * host runs on this run folder; a stale one (a host killed with -9) is replaced. */
async function listenHostSocket(server: http.Server, file: string): Promise<string | null> {
  try {
    if (fs.lstatSync(file).isSocket()) {
      if (await answers(file)) return `another muster host already runs (it answers on ${file}); see it with: muster host status`;
      fs.unlinkSync(file);
    } else {
      return `${file} exists and is not a socket; move it away`;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return `cannot look at ${file}: ${(error as Error).message}`;
  }
  return new Promise((resolve) => {
    server.once('error', (error) => resolve(`cannot listen on ${file}: ${error.message}`));
    const previous = process.umask(0o177);
    try {
      server.listen(file, () => resolve(null));
    } finally {
      process.umask(previous);
    }
  });
}

function answers(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ path: file });
    const done = (live: boolean) => {
      socket.destroy();
      resolve(live);
    };
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
