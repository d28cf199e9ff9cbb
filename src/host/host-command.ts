// `muster host`: the root host tier's composition root (docs/host.md). Reads the registrations,
// prepares each app's folders and sockets, keeps one app tier per app running as the app's user
// (tier-runner.ts), serves its status on RUN/host.sock, and on SIGTERM/SIGINT stops every tier and
// waits for them all (a second signal kills them), then removes its sockets and exits 0.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type * as http from 'node:http';
import { formatDiagnostic } from '../config/diagnostics';
import { createApiServer } from '../control/http-server';
import type { HeldSockets } from '../os/held-sockets';
import { LinuxProcessGroups } from '../os/process-groups';
import { closeStrayFds } from '../os/stray-fds';
import { openAppSockets, prepareFolders } from './app-setup';
import { hostRoutes, viewOfTier, type AppView, type HostView } from './host-api';
import { DEFAULT_APPS_DIR, DEFAULT_LOG_BASE, DEFAULT_RUN_BASE, DEFAULT_STATE_BASE, appFolders, hostPidFile, hostSocketFile, type HostBases } from './host-paths';
import { claimHostPid } from './host-lock';
import { loadRegistrations } from './registration';
import type { Registration } from './registration-model';
import { findTiers, killStaleTiers, stopStaleTier } from './stale-tier';
import { TierRunner } from './tier-runner';

export interface HostOptions {
  readonly apps?: string;
  readonly run?: string;
  readonly state?: string;
  readonly log?: string;
  readonly environ: Readonly<Record<string, string | undefined>>;
  readonly err: (text: string) => void;
}

interface AppEntry {
  readonly name: string;
  readonly user: string | null;
  readonly runner: TierRunner | null;
  readonly sockets: HeldSockets | null;
  /** Refused or not set up: why, and since when. */
  readonly refused: { readonly problem: string; readonly since: number } | null;
  /** Neither a runner nor refused yet: being set up since then. */
  readonly settingUpSince?: number;
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
  const apps: AppEntry[] = [];
  const view = (): HostView => ({ host: { pid: process.pid, started_at: startedAt }, apps: apps.map(appView) });
  const server = createApiServer(hostRoutes(view), (error) => log(`internal error in the host API: ${(error as Error).stack ?? error}`));
  const listening = await listenHostSocket(server, hostSock);
  if (listening !== null) {
    lock.release();
    options.err(`muster host: ${listening}\n`);
    return 1;
  }
  log(`started (pid ${process.pid}); registrations in ${appsDir}; run ${bases.runBase}, state ${bases.stateBase}, logs ${bases.logBase}; status: muster host status`);

  process.on('uncaughtException', (error) => log(`internal error (the host keeps running): ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => log(`internal error (the host keeps running): ${String(error)}`));
  process.on('SIGPIPE', () => undefined);
  process.on('SIGHUP', () => log('SIGHUP ignored (a changed registration is read at the next start of the host)'));

  let signals = 0;
  let resolveSignal: () => void = () => undefined;
  const firstSignal = new Promise<void>((resolve) => (resolveSignal = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals === 1) {
      log(`${signal}: stopping every app tier gracefully (each stops its processes with their stop signals and timeouts); send it again to kill them`);
      resolveSignal();
    } else if (signals === 2) {
      log(`${signal} again: killing every app tier and its processes now`);
      killStaleTiers();
      for (const app of apps) app.runner?.forceKill();
    }
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);

  const groups = new LinuxProcessGroups();
  for (const refused of set.refused) {
    log(`${refused.app}: registration refused, the app is not started:\n${refused.diagnostics.map((d) => `  ${formatDiagnostic(d)}`).join('\n')}`);
    apps.push({ name: refused.app, user: null, runner: null, sockets: null, refused: { problem: refused.diagnostics.map(formatDiagnostic).join('; '), since: Date.now() } });
  }
  // In parallel: one app's previous tier taking long to stop must not hold up the others. Each app
  // is listed (starting) from now on, and takes its place in the list as soon as it is set up.
  for (const r of set.registrations) apps.push({ name: r.app, user: r.user.name, runner: null, sockets: null, refused: null, settingUpSince: Date.now() });
  apps.sort((a, b) => a.name.localeCompare(b.name));
  await Promise.all(set.registrations.map(async (r) => {
    const entry = await setUpApp(r, bases, options.environ, groups, log, () => signals > 0);
    apps[apps.findIndex((a) => a.name === r.app)] = entry;
  }));
  if (apps.length === 0) log(`no app is registered in ${appsDir}`);

  await firstSignal;
  await Promise.all(apps.map((a) => a.runner?.stop()));
  for (const app of apps) app.sockets?.close();
  clearInterval(keepAlive);
  server.close();
  server.closeAllConnections();
  fs.rmSync(hostSock, { force: true });
  lock.release();
  log('every app tier stopped; bye');
  return 0;
}

/** Folders, sockets, then the tier; a problem here stops this app only. */
async function setUpApp(r: Registration, bases: HostBases, environ: HostOptions['environ'], groups: LinuxProcessGroups,
  log: (text: string) => void, stopping: () => boolean): Promise<AppEntry> {
  const folders = appFolders(bases, r.app);
  const fail = (problem: string): AppEntry => {
    log(`${r.app}: ${problem}; the app is not started`);
    return { name: r.app, user: r.user.name, runner: null, sockets: null, refused: { problem, since: Date.now() } };
  };
  try {
    prepareFolders(r, folders);
  } catch (error) {
    return fail(`cannot prepare its folders: ${(error as Error).message}`);
  }
  // No duplicates: a tier a dead host (kill -9) left behind still runs every process of the app and
  // holds the old sockets. It stops before the new sockets are made.
  const tiers = findTiers(r.app, r.user.uid);
  const other = tiers.otherHost[0];
  if (other !== undefined) {
    return fail(`it already runs under another muster host (pid ${other.host}, its app tier pid ${other.tier}); one app never runs twice: stop that host first`);
  }
  await Promise.all(tiers.stale.map(async (stale) => {
    log(`${r.app}: an app tier of a previous host (pid ${stale}) still runs: SIGTERM to its process group, waiting for it to stop`);
    await stopStaleTier(stale, groups, log);
    log(`${r.app}: the previous app tier (pid ${stale}) stopped`);
  }));
  if (stopping()) return fail('the host is stopping');
  const opened = await openAppSockets(r, folders);
  if (!opened.ok) return fail(opened.message);
  const runner = new TierRunner({
    registration: r,
    folders,
    sockets: opened.sockets,
    node: process.execPath,
    mainJs: path.resolve(__dirname, '..', 'cli', 'main.js'),
    hostEnv: environ,
    groups,
    log,
  });
  log(`${r.app}: holding ${opened.sockets.describe().join(', ')}; starting its tier as ${r.user.name} (output in ${folders.tierLog})`);
  runner.start();
  return { name: r.app, user: r.user.name, runner, sockets: opened.sockets, refused: null };
}

function appView(app: AppEntry): AppView {
  if (app.runner !== null) return viewOfTier(app.name, app.user ?? '', app.runner.snapshot);
  if (app.refused === null) {
    // Being set up: its folders, sockets, or a previous host's tier that is still stopping.
    return { name: app.name, user: app.user, state: 'starting', pid: null, since: app.settingUpSince ?? Date.now(), restarts: 0, last_exit: null, problem: 'being set up (a previous host\'s tier may still be stopping)' };
  }
  return {
    name: app.name, user: app.user, state: 'refused', pid: null, since: app.refused?.since ?? Date.now(),
    restarts: 0, last_exit: null, problem: app.refused?.problem ?? null,
  };
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
