// `muster up`: the composition root. Loads the config, claims the app's control socket (one
// supervisor per app folder), builds the real adapters, runs the supervisor, and serves the control
// API until it is told to stop: Ctrl-C, SIGTERM, or `muster down` (a second Ctrl-C forces it).
// `muster up -d` runs this same code in a detached child (see detach.ts).

import * as fs from 'node:fs';
import * as tty from 'node:tty';
import { formatDiagnostic } from '../config/diagnostics';
import { loadAppConfig } from '../config/load';
import { createRoutes, type ControlledApp } from '../control/api';
import { claimControlSocket, writePid, readPid } from '../control/claim';
import { createApiServer } from '../control/http-server';
import { Supervisor, instanceNames } from '../core/supervisor';
import { ConsoleOutput, wantsColor } from '../logs/console';
import { systemClock, systemTimers } from '../os/clock';
import { toArgv } from '../os/command';
import { LinuxProcessGroups } from '../os/process-groups';
import { settleMemoryWhenQuiet } from '../os/settle-memory';
import { findLeftovers } from '../os/leftovers';
import { nodeSpawner } from '../os/spawner';
import { HeldSockets } from '../os/held-sockets';
import { AppIO } from './instance-io';
import { appPaths } from './app-paths';

export interface UpOptions {
  readonly dir: string;
  /** Do not echo the processes' output (it still goes to .muster/logs/). */
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

  const loaded = loadAppConfig(options.dir, environ);
  if (!loaded.ok) {
    const text = loaded.diagnostics.map((d) => `${formatDiagnostic(d)}\n`).join('') +
      `muster: nothing was started: fix the ${loaded.diagnostics.length === 1 ? 'error' : `${loaded.diagnostics.length} errors`} above\n`;
    process.stderr.write(text);
    report(`config-error ${JSON.stringify(text)}`);
    return 2;
  }
  const config = loaded.config;
  const paths = appPaths(config.root);
  fs.mkdirSync(paths.logDir, { recursive: true });

  const names = config.processes.flatMap(instanceNames);
  const consoleOut = new ConsoleOutput({
    // isatty(1), not process.stdout.isTTY: creating process.stdout puts a pipe in O_NONBLOCK mode.
    color: wantsColor({ isTTY: tty.isatty(1) }, environ),
    nameWidth: Math.max(6, ...names.map((n) => n.length)),
  });
  consoleOut.addName('muster');
  const say = (text: string) => consoleOut.say('muster', 'muster', text);
  // Detached, the console is muster's own log (.muster/muster.log): the output has its own files.
  const io = new AppIO(paths.logDir, consoleOut, !options.quiet && reportFd === null);

  // Filled once the control socket is ours (a second `up` must not touch the first one's sockets).
  const socketFds = new Map<string, number>();
  let heldSockets = HeldSockets.none;
  const supervisor = new Supervisor({
    config,
    socketFds,
    services: { clock: systemClock, timers: systemTimers, spawner: nodeSpawner, groups: new LinuxProcessGroups() },
    inheritedEnv: environ,
    toArgv: (command) => toArgv(command).argv,
    createIO: io.create,
  });

  // muster must outlive anything its children do; a bug of ours is reported, not fatal to them.
  process.on('uncaughtException', (error) => say(`internal error (muster keeps running): ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => say(`internal error (muster keeps running): ${String(error)}`));
  process.on('SIGPIPE', () => undefined);

  let stopping = false;
  let exitCode = 0;
  let resolveDone: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let stopped: Promise<void> | null = null;
  const stopEverything = (why: string): Promise<void> => {
    if (!stopped) {
      stopping = true;
      say(why);
      stopped = supervisor.stopAll();
      stopped.then(resolveDone);
    }
    return stopped;
  };

  const app: ControlledApp = {
    supervisor,
    root: config.root,
    pid: process.pid,
    version: require('../../../package.json').version as string,
    startedAt: Date.now(),
    feed: io.feed,
    monotonicNow: () => systemClock.now(),
    logSource: (instance) => io.logSource(instance.name),
    readConfig: () => {
      const again = loadAppConfig(config.root, environ);
      return again.ok ? again : { ok: false, diagnostics: again.diagnostics.map(formatDiagnostic) };
    },
    shutdown: () => stopEverything('muster down: stopping every process gracefully, dependents first'),
    get stopping() {
      return stopping;
    },
  };
  // Every `down` waiting for the stop gets its answer before the connections are closed.
  const shutdownAnswers: Array<Promise<void>> = [];
  const server = createApiServer(createRoutes(app), (error) => say(`internal error in the control API (muster keeps running): ${(error as Error).stack ?? error}`));
  server.on('request', (req, res) => {
    if (req.url === '/v1/shutdown') shutdownAnswers.push(new Promise((resolve) => res.on('close', () => resolve())));
  });

  const claim = await claimControlSocket(server, paths.controlSocket, paths.pidFile);
  if (!claim.ok) {
    const message = claim.kind === 'running'
      ? `muster already runs this app${claim.pid ? ` as pid ${claim.pid}` : ''} (${config.root}); see it with "muster status", stop it with "muster down"`
      : claim.message;
    process.stderr.write(`muster: ${message}\n`);
    report(`error ${JSON.stringify(message)}`);
    io.closeAll();
    return 1;
  }
  const deadPid = claim.replaced ? readPid(paths.pidFile) : null;
  writePid(paths.pidFile, process.pid);
  if (claim.replaced) {
    const warning = leftoversWarning(config.root, deadPid);
    say(warning.text);
    if (warning.serious) report(`warning ${JSON.stringify(warning.text)}`);
  }

  const opened = await HeldSockets.open(config.sockets, environ);
  if (!opened.ok) {
    process.stderr.write(`muster: ${opened.message}\nmuster: nothing was started\n`);
    report(`error ${JSON.stringify(`${opened.message}; nothing was started`)}`);
    removeOwnFiles(paths, server);
    io.closeAll();
    return 1;
  }
  heldSockets = opened.sockets;
  for (const [name, fd] of heldSockets.fds) socketFds.set(name, fd);
  if (config.sockets.length > 0) say(`holding socket${config.sockets.length === 1 ? '' : 's'} ${heldSockets.describe().join(', ')}`);

  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (reportFd !== null && signal === 'SIGHUP') return say('SIGHUP ignored (muster runs detached); stop it with "muster down"');
    signals++;
    if (signals === 1) {
      void stopEverything(`${signal}: stopping every process gracefully, dependents first (press Ctrl-C again to force)`);
    } else if (signals === 2) {
      say(`${signal} again: killing every process group now`);
      exitCode = 130;
      const forced = supervisor.forceKillAll();
      Promise.race([forced, new Promise((r) => setTimeout(r, FORCE_EXIT_WAIT_MS))]).then(() => resolveDone());
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal went away: nobody can watch or stop the app any more, so stop it like Ctrl-C.
  process.on('SIGHUP', onSignal);

  // Signal handlers do not keep Node's event loop alive: once every one-shot has exited and no timer
  // is left, muster would end silently (exit 0, no "bye", files not closed). It runs until stopped.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
  say(`starting ${names.length} instance${names.length === 1 ? '' : 's'} of ${config.processes.length} process${config.processes.length === 1 ? '' : 'es'} in ${config.root} (pid ${process.pid}; logs in .muster/logs/; control socket .muster/control.sock)`);
  const activity = settleMemoryWhenQuiet();
  supervisor.onTransition(activity);
  supervisor.onTransition((t) => io.feed.state({ instance: t.instance, from: t.from, to: t.to, pid: t.pid, at: Date.now() }));
  supervisor.startAll();
  report('started');
  await done;
  clearInterval(keepAlive);

  // No new client may reach a supervisor that is going away; the one that asked for it gets its answer.
  removeOwnFiles(paths, server);
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

/** A supervisor of this app died without stopping its processes: which still run. */
function leftoversWarning(root: string, deadPid: number | null): { text: string; serious: boolean } {
  const left = findLeftovers(root);
  const who = `the previous supervisor${deadPid ? ` (pid ${deadPid})` : ''}`;
  if (left.length === 0) return { text: `${who} of this app died; none of its processes is left running`, serious: false };
  const list = left.map((l) => `${l.instance} pid ${l.pid}`).join(', ');
  return {
    text: `warning: ${who} of this app died without stopping its processes, and these still run: ${list}. ` +
      'muster does not adopt them: the ones started now may run twice. Stop the old ones (kill -TERM PID) if they should not.',
    serious: true,
  };
}

function removeOwnFiles(paths: ReturnType<typeof appPaths>, server: { close(): void }): void {
  server.close();
  // close() unlinks the socket path; the pid file only if it is still ours.
  if (readPid(paths.pidFile) === process.pid) fs.rmSync(paths.pidFile, { force: true });
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise.then(() => undefined), expiry]).finally(() => clearTimeout(timer));
}
