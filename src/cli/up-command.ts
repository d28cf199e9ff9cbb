// `muster up`: the composition root. Loads the config, claims the app's control socket (one
// supervisor per app folder) or serves the one a host tier passed (up-sockets.ts), stops what a
// dead supervisor of the app left running, builds the real adapters, runs the supervisor, and
// serves the control API until it is told to stop: Ctrl-C, SIGTERM, or `muster down` (a second
// Ctrl-C forces it). `muster up -d` runs this same code in a detached child (see detach.ts).

import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { formatDiagnostic } from '../config/diagnostics';
import { loadAppConfig } from '../config/load';
import { createRoutes, type ControlledApp } from '../control/api';
import { claimControlSocket, isSameFile, serveInheritedSocket, writePid, readPid, type FileIdentity } from '../control/claim';
import { createApiServer } from '../control/http-server';
import { planLeftoverStops, stopLeftovers, type LeftoverStopping } from '../core/leftovers';
import { Supervisor, instanceNames } from '../core/supervisor';
import { LIVE_STATES } from '../core/states';
import { ConsoleOutput, wantsColor } from '../logs/console';
import { systemClock, systemTimers } from '../os/clock';
import { toArgv } from '../os/command';
import { LinuxProcessGroups } from '../os/process-groups';
import { settleMemoryWhenQuiet } from '../os/settle-memory';
import { findLeftovers } from '../os/leftovers';
import { readRunRecord, RunRecordWriter } from '../os/run-record';
import { nodeSpawner } from '../os/spawner';
import type { Spawner } from '../os/ports';
import { HeldSockets } from '../os/held-sockets';
import { NOFILE_SOFT_ENV, lowerNofileSoft } from '../os/nofile';
import { readListenFds } from '../os/listen-fds';
import { closeStrayFds } from '../os/stray-fds';
import { AppIO } from './instance-io';
import { appPaths, makeAppFolders, shownPath, type AppPaths } from './app-paths';
import { upSockets } from './up-sockets';

export interface UpOptions {
  readonly dir: string;
  /** Do not echo the processes' output (it still goes to the log files). */
  readonly quiet: boolean;
  readonly environ: NodeJS.ProcessEnv;
  /** Start in the background and return once every process reached its start condition. */
  readonly detach?: boolean;
  /** With detach: print the status as JSON. */
  readonly json?: boolean;
}

/** Set in the environment of the detached supervisor `up -d` starts; fd 3 is its report pipe. */
export const DETACHED_ENV = 'MUSTER_DETACHED_REPORT_FD';

/** How long muster waits, once every process stopped, for output still in their pipes (a group
 * that was killed while its pipe was full, or paused because the disk was slow) before it closes the
 * log files. Only a daemon that left the group and still holds a pipe makes it wait this long. */
const OUTPUT_EOF_WAIT_MS = 2000;

/** How long muster's last lines may wait for a reader of its stdout before it exits anyway. */
const CONSOLE_DRAIN_WAIT_MS = 2000;

/** How long the second Ctrl-C waits for the SIGKILLed groups to vanish before muster exits anyway. */
const FORCE_EXIT_WAIT_MS = 1000;

/** How long the answers to `muster down` may take to reach their clients before muster exits anyway. */
const LAST_ANSWER_WAIT_MS = 1000;

export async function runUp(options: UpOptions): Promise<number> {
  // Before anything is spawned (the detached child too): fds inherited past libuv's reach would
  // reach every process (os/stray-fds.ts). The sockets a host tier passed, and the report pipe, stay.
  closeStrayFds(keptFds(options.environ));
  if (options.detach) {
    const { runDetached } = await import('./detach');
    return runDetached(options);
  }
  const reportFd = options.environ[DETACHED_ENV] ? Number(options.environ[DETACHED_ENV]) : null;
  const environ = { ...options.environ };
  delete environ[DETACHED_ENV];
  const report = (line: string) => {
    if (reportFd === null) return;
    try {
      fs.writeSync(reportFd, `${line}\n`);
    } catch {
      /* the parent is gone: nobody to tell */
    }
  };

  // Inherited sockets are checked before anything else: a host tier that passed unusable ones
  // needs fixing, and starting again would not help (exit 2, like a config error).
  const sockets = upSockets(environ, process.pid);
  if (!sockets.ok) {
    const text = `muster: ${sockets.message}\nmuster: nothing was started\n`;
    process.stderr.write(text);
    report(`config-error ${JSON.stringify(text)}`);
    return 2;
  }
  const inherited = sockets.value.kind === 'inherited' ? sockets.value : null;
  const nofileProblem = lowerNofileSoft(environ, process.pid);
  if (nofileProblem !== null) process.stderr.write(`muster: warning: ${nofileProblem}\n`);
  delete environ[NOFILE_SOFT_ENV]; // done: the processes inherit the limit itself
  const loadOptions = { inheritedSockets: inherited?.names };
  const loaded = loadAppConfig(options.dir, environ, loadOptions);
  if (!loaded.ok) {
    const text = loaded.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('') +
      `muster: nothing was started: fix the ${loaded.diagnostics.length === 1 ? 'error' : `${loaded.diagnostics.length} errors`} above\n`;
    process.stderr.write(text);
    report(`config-error ${JSON.stringify(text)}`);
    return 2;
  }
  const config = loaded.config;
  // Under a host tier MUSTER_STATE_DIR and MUSTER_LOG_DIR keep everything out of the app folder.
  const paths = appPaths(config.root, environ);
  const folderProblem = makeAppFolders(paths);
  if (folderProblem !== null) {
    const text = `muster: ${folderProblem}\nmuster: nothing was started\n`;
    process.stderr.write(text);
    report(`config-error ${JSON.stringify(text)}`);
    return 2;
  }
  const app = environ.MUSTER_APP || null;
  // Instances are marked with it and leftovers matched against it: `-C LINK` and `-C APP` are one app.
  const realRoot = fs.realpathSync(config.root);

  const names = config.processes.flatMap(instanceNames);
  const consoleOut = new ConsoleOutput({
    // isatty(1), not process.stdout.isTTY: creating process.stdout puts a pipe in O_NONBLOCK mode.
    color: wantsColor({ isTTY: tty.isatty(1) }, environ),
    nameWidth: Math.max(6, ...names.map((n) => n.length)),
  });
  consoleOut.addName('muster');
  const say = (text: string) => consoleOut.say('muster', 'muster', text);
  // Detached, the console is muster's own log (muster.log): the output has its own files.
  const io = new AppIO(paths.logDir, consoleOut, !options.quiet && reportFd === null);
  for (const note of loaded.notes) say(formatDiagnostic(note));

  // Filled once the control socket is ours (a second `up` must not touch the first one's sockets).
  const socketFds = new Map<string, number>();
  let heldSockets = HeldSockets.none();
  const groups = new LinuxProcessGroups();
  const runRecord = new RunRecordWriter(paths.runRecord, { root: realRoot, app }, say);
  const supervisor = new Supervisor({
    config,
    socketFds,
    services: { clock: systemClock, timers: systemTimers, spawner: recordingSpawns(nodeSpawner, runRecord), groups },
    inheritedEnv: environ,
    toArgv: (command) => toArgv(command).argv,
    createIO: io.create,
    owner: { app, root: realRoot, supervisorPid: process.pid },
  });

  // muster must outlive anything its children do; a bug of ours is reported, not fatal to them.
  process.on('uncaughtException', (error) => say(`internal error (muster keeps running): ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => say(`internal error (muster keeps running): ${String(error)}`));
  process.on('SIGPIPE', () => undefined);

  let stopping = false;
  /** The signal that forced the stop (SIGKILL to every group), once one did. */
  let forcedBy: NodeJS.Signals | null = null;
  let exitCode = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopped: Promise<void> | null = null;
  let leftovers: LeftoverStopping | null = null;
  const stopEverything = (why: string): Promise<void> => {
    if (!stopped) {
      stopping = true;
      say(why);
      // A stop that comes while a dead supervisor's leftovers are being stopped waits for them too.
      stopped = Promise.all([supervisor.stopAll(), leftovers?.done]).then(() => undefined);
      stopped.then(resolveDone);
    }
    return stopped;
  };

  const controlled: ControlledApp = {
    supervisor,
    root: config.root,
    pid: process.pid,
    version: require('../../../package.json').version as string,
    startedAt: Date.now(),
    feed: io.feed,
    monotonicNow: () => systemClock.now(),
    logSource: (instance) => io.logSource(instance.name),
    readConfig: () => {
      // The same rules as at start: under a host tier, the sockets it passed.
      const again = loadAppConfig(config.root, environ, loadOptions);
      return again.ok ? again : { ok: false, diagnostics: again.diagnostics.map(formatDiagnostic) };
    },
    shutdown: () => stopEverything('muster down: stopping every process gracefully, dependents first'),
    get stopping() {
      return stopping;
    },
    get forcedBy() {
      return forcedBy;
    },
    hostManaged: environ.MUSTER_HOST === '1',
    openSockets: async (configs) => {
      if (configs.length === 0) return null;
      // Under a host tier every socket is the registration's (the config loader refuses others).
      if (inherited) return 'under a host tier the sockets are the registration\'s; ask root to add it';
      const made = await HeldSockets.open(configs, environ);
      if (!made.ok) return made.message;
      for (const [name, fd] of made.sockets.fds) socketFds.set(name, fd);
      say(`holding socket${made.sockets.size === 1 ? '' : 's'} ${made.sockets.describe().join(', ')} (apply)`);
      heldSockets.adopt(made.sockets);
      return null;
    },
    closeSockets: (names) => {
      for (const name of names) socketFds.delete(name);
      const closed = heldSockets.closeNamed(names);
      if (closed.length > 0) say(`closed socket${closed.length === 1 ? '' : 's'} ${closed.join(', ')} (no longer in the config)`);
    },
  };
  // Every `down` waiting for the stop gets its answer before the connections are closed.
  const shutdownAnswers: Array<Promise<void>> = [];
  const server = createApiServer(createRoutes(controlled), (error) => say(`internal error in the control API (muster keeps running): ${(error as Error).stack ?? error}`));
  server.on('request', (req, res) => {
    if (req.url === '/v1/shutdown') shutdownAnswers.push(new Promise((resolve) => res.on('close', () => resolve())));
  });

  const control = inherited
    ? await serveInheritedSocket(server, inherited.control.fd).then((problem) => (problem === null ? { ok: true as const, socket: null } : { ok: false as const, message: problem }))
    : await claimControl(server, paths, config.root);
  if (!control.ok) {
    process.stderr.write(`muster: ${control.message}\n`);
    report(`error ${JSON.stringify(control.message)}`);
    io.closeAll();
    return 1;
  }
  const previousPid = readPid(paths.pidFile);
  // The pid file is for people and scripts (the control socket is the lock): a failure is said, not fatal.
  const pidWritten = writePid(paths.pidFile, process.pid);
  if ('problem' in pidWritten) say(`could not write ${shownPath(config.root, paths.pidFile)} (${pidWritten.problem}); muster runs without it`);
  const own: OwnFiles = { inherited: inherited !== null, socket: control.socket, pidFile: 'problem' in pidWritten ? null : pidWritten };
  // Read before ours replaces it: the leftovers of a supervisor killed with SIGKILL are found by it.
  const previous = readRunRecord(paths.runRecord, { root: realRoot, app });
  if (previous.problem !== null) say(`${shownPath(config.root, paths.runRecord)} is not used: ${previous.problem}; processes of a supervisor killed with SIGKILL whose environment lost muster's marks cannot be found`);

  function startEverything(): void {
    const control = inherited ? inherited.control.where : shownPath(config.root, paths.controlSocket);
    say(`starting ${names.length} instance${names.length === 1 ? '' : 's'} of ${config.processes.length} process${config.processes.length === 1 ? '' : 'es'} in ${config.root} ` +
      `(pid ${process.pid}; logs in ${shownPath(config.root, paths.logDir)}/; control socket ${control})`);
    const activity = settleMemoryWhenQuiet();
    supervisor.onTransition(activity);
    supervisor.onTransition((t) => io.feed.state({ instance: t.instance, from: t.from, to: t.to, pid: t.pid, at: Date.now() }));
    // Spawns are recorded by the spawner itself (recordingSpawns), before the next one.
    supervisor.onTransition((t) => {
      // Every way out of a live state: exited (to backoff, starting again, done), stopped, killed.
      // (A spawn is never in the same step: it follows a later 'deps-met'.)
      if (LIVE_STATES.has(t.from) && !LIVE_STATES.has(t.to)) runRecord.ended(...processAndNumber(t.instance));
    });
    supervisor.startAll();
    report('started');
  }

  let stoppedBySignal = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (reportFd !== null && signal === 'SIGHUP') return say('SIGHUP ignored (muster runs detached); stop it with "muster down"');
    if (forcedBy !== null) return;
    if (!stopping) {
      stoppedBySignal = true;
      const again = environ.MUSTER_HOST === '1' ? 'a second SIGTERM forces it' : 'press Ctrl-C again to force';
      void stopEverything(`${signal}: stopping every process gracefully, dependents first (${again})`);
      return;
    }
    // The first signal while `muster down` stops everything asks for what is already under way: a
    // graceful stop (a service manager's SIGTERM must not cut a worker's two-hour task short). It
    // is said, and the next one forces. (The terminal closing leaves a down alone.)
    if (!stoppedBySignal) {
      if (signal === 'SIGHUP') return say('SIGHUP: the terminal went away; muster down goes on stopping every process gracefully');
      stoppedBySignal = true;
      return say(`${signal}: muster down is already stopping every process gracefully; send ${signal} again to force it (SIGKILL to every process group)`);
    }
    say(`${signal} again: killing every process group now`);
    forcedBy = signal;
    exitCode = 130;
    const forced = supervisor.forceKillAll();
    leftovers?.killNow();
    Promise.race([forced, new Promise((r) => setTimeout(r, FORCE_EXIT_WAIT_MS))]).then(() => resolveDone());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal went away: nobody can watch or stop the app any more, so stop it like Ctrl-C.
  process.on('SIGHUP', onSignal);

  // Before anything starts (and before our sockets are made: the old instances hold the old ones).
  const stops = planLeftoverStops(findLeftovers({ root: realRoot, app }, previous.record), config.processes);
  if (stops.length > 0) {
    const text = `a previous supervisor of this app${previousPid ? ` (pid ${previousPid})` : ''} died and left ${stops.map((s) => `${s.instance} (pid ${s.pids.join(', ')})`).join(', ')} running; ` +
      'muster stops them (stop_signal, then SIGKILL after stop_timeout) before it starts anything';
    say(text);
    report(`warning ${JSON.stringify(text)}`);
    leftovers = stopLeftovers(stops, groups, systemTimers, say);
    await leftovers.done;
  }
  // Nothing of the previous record runs any more: ours replaces it before anything is spawned.
  runRecord.begin();
  if (!stopping) {
    const held = inherited ? { ok: true as const, sockets: inherited.sockets } : await HeldSockets.open(config.sockets, environ);
    if (!held.ok) {
      process.stderr.write(`muster: ${held.message}\nmuster: nothing was started\n`);
      report(`error ${JSON.stringify(`${held.message}; nothing was started`)}`);
      removeOwnFiles(paths, server, own);
      io.closeAll();
      return 1;
    }
    heldSockets = held.sockets;
    for (const [name, fd] of heldSockets.fds) socketFds.set(name, fd);
    if (heldSockets.size > 0) say(`holding socket${heldSockets.size === 1 ? '' : 's'} ${heldSockets.describe().join(', ')}`);
    startEverything();
  }

  // Signal handlers do not keep Node's event loop alive: once every one-shot has exited and no timer
  // is left, muster would end silently (exit 0, no "bye", files not closed). It runs until stopped.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
  await done;
  clearInterval(keepAlive);

  runRecord.close();
  // No new client may reach a supervisor that is going away; the one that asked for it gets its answer.
  removeOwnFiles(paths, server, own);
  // Every process is gone: nothing will accept on the app's sockets any more.
  heldSockets.close();
  await withTimeout(Promise.all(shutdownAnswers), LAST_ANSWER_WAIT_MS);
  server.closeAllConnections();
  // A stopped process's last output may still be in its pipe: read it before closing its file.
  await withTimeout(io.whenOutputEnded(), OUTPUT_EOF_WAIT_MS);
  say(exitCode === 0 ? 'every process stopped; bye' : 'forced stop; bye');
  io.closeAll();
  // Nobody may be reading our stdout any more (a closed terminal, a stuck pipe): do not hang on it.
  await withTimeout(consoleOut.drain(), CONSOLE_DRAIN_WAIT_MS);
  return exitCode;
}

/** The inherited fds meant for us: LISTEN_FDS (when LISTEN_PID is ours) and the report pipe. */
function keptFds(environ: NodeJS.ProcessEnv): Set<number> {
  const keep = new Set<number>();
  const listen = readListenFds(environ, process.pid);
  if (listen.kind === 'inherited') for (const f of [listen.control, ...listen.sockets]) keep.add(f.fd);
  const report = Number(environ[DETACHED_ENV]);
  if (Number.isInteger(report) && report >= 3) keep.add(report);
  return keep;
}

/** Development: the control socket is also the lock (claim.ts). The file we bound once it is ours, else why not. */
async function claimControl(server: import('node:http').Server, paths: AppPaths, root: string): Promise<{ ok: true; socket: FileIdentity | null } | { ok: false; message: string }> {
  const claim = await claimControlSocket(server, paths.controlSocket, paths.pidFile);
  if (claim.ok) return { ok: true, socket: claim.socket };
  if (claim.kind === 'error') return { ok: false, message: claim.message };
  if (claim.kind === 'running') {
    return { ok: false, message: `muster already runs this app${claim.pid ? ` as pid ${claim.pid}` : ''} (${root}); see it with "muster status", stop it with "muster down"` };
  }
  const who = claim.pid !== null ? `pid ${claim.pid}` : 'a process this user cannot see in /proc';
  const stop = claim.pid !== null ? `stop it with "kill -TERM ${claim.pid}" (it stops every process gracefully, as "muster down" does; if it is already stopping, wait for it to end)` : 'find it with "ss -xlp" and stop it with kill -TERM';
  return {
    ok: false,
    message: `muster already runs this app (${root}) as ${who}, but its control socket ${paths.controlSocket} was removed (was ${shownPath(root, paths.dir)} deleted?), ` +
      `so no muster command can reach it: ${stop}, then start again`,
  };
}

/** The files this supervisor made, as it made them: another supervisor's are never removed. */
interface OwnFiles {
  /** The control socket was passed by a host tier: close() never unlinks it. */
  readonly inherited: boolean;
  readonly socket: FileIdentity | null;
  readonly pidFile: FileIdentity | null;
}

function removeOwnFiles(paths: AppPaths, server: { close(): void }, own: OwnFiles): void {
  // close() unlinks the path it bound (libuv), whatever file is there by now. One that is no longer
  // ours (the folder was removed and another supervisor made its own) stays: our socket is left
  // open until we exit, which closes it without touching the path.
  if (own.inherited || isSameFile(paths.controlSocket, own.socket)) server.close();
  if (isSameFile(paths.pidFile, own.pidFile)) fs.rmSync(paths.pidFile, { force: true });
}

/** The spawner, recording each instance's process group as it is spawned (os/run-record.ts). */
function recordingSpawns(spawner: Spawner, record: RunRecordWriter): Spawner {
  return {
    spawn(request) {
      const result = spawner.spawn(request);
      const { MUSTER_PROCESS: name, MUSTER_INSTANCE: number } = request.env;
      if (result.ok && name !== undefined && number !== undefined) record.spawned(name, number, result.child.pid);
      return result;
    },
  };
}

/** "worker.2" -> ["worker", "2"], "web" -> ["web", "1"] (process names hold no dot). */
function processAndNumber(instance: string): [string, string] {
  const dot = instance.lastIndexOf('.');
  return dot > 0 ? [instance.slice(0, dot), instance.slice(dot + 1)] : [instance, '1'];
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise.then(() => undefined), expiry]).finally(() => clearTimeout(timer));
}
