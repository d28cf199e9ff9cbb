// `muster up`: the composition root. Loads the config, builds the real adapters, runs the
// supervisor in the foreground, and turns SIGINT/SIGTERM into a graceful, ordered stop (a second
// one forces it).

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tty from 'node:tty';
import { loadAppConfig } from '../config/load';
import { formatDiagnostic } from '../config/diagnostics';
import { expandVariables } from '../config/expand';
import type { ProcessConfig, ReadyProbe } from '../config/model';
import { Supervisor, instanceNames } from '../core/supervisor';
import type { InstanceIO } from '../core/instance';
import { startProbe } from '../health/probes';
import { OutputCapture } from '../logs/capture';
import { ConsoleOutput, wantsColor } from '../logs/console';
import { InstanceLogFile } from '../logs/log-file';
import { systemClock, systemTimers } from '../os/clock';
import { toArgv } from '../os/command';
import { LinuxProcessGroups } from '../os/process-groups';
import { settleMemoryWhenQuiet } from '../os/settle-memory';
import { nodeSpawner } from '../os/spawner';

export interface UpOptions {
  readonly dir: string;
  /** Do not echo the processes' output (it still goes to .muster/logs/). */
  readonly quiet: boolean;
  readonly environ: NodeJS.ProcessEnv;
}

/** How long muster waits, once every process stopped, for output still in their pipes (a group
 * that was killed while its pipe was full, or paused because the disk was slow) before it closes the
 * log files. Only a daemon that left the group and still holds a pipe makes it wait this long. */
const OUTPUT_EOF_WAIT_MS = 2000;

/** How long muster's last lines may wait for a reader of its stdout before it exits anyway. */
const CONSOLE_DRAIN_WAIT_MS = 2000;

/** How long the second Ctrl-C waits for the SIGKILLed groups to vanish before muster exits anyway. */
const FORCE_EXIT_WAIT_MS = 1000;

export async function runUp(options: UpOptions): Promise<number> {
  const loaded = loadAppConfig(options.dir, options.environ);
  if (!loaded.ok) {
    for (const d of loaded.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.stderr.write(`muster: nothing was started: fix the ${loaded.diagnostics.length === 1 ? 'error' : `${loaded.diagnostics.length} errors`} above\n`);
    return 2;
  }
  const config = loaded.config;
  const logDir = path.join(config.root, '.muster', 'logs');
  fs.mkdirSync(logDir, { recursive: true });

  const names = config.processes.flatMap(instanceNames);
  const consoleOut = new ConsoleOutput({
    // isatty(1), not process.stdout.isTTY: creating process.stdout puts a pipe in O_NONBLOCK mode.
    color: wantsColor({ isTTY: tty.isatty(1) }, options.environ),
    nameWidth: Math.max(6, ...names.map((n) => n.length)),
  });
  consoleOut.addName('muster');
  for (const n of names) consoleOut.addName(n);
  const say = (text: string) => consoleOut.say('muster', 'muster', text);

  const logFiles: InstanceLogFile[] = [];
  const captures: OutputCapture[] = [];
  const createIO = (name: string, p: ProcessConfig): InstanceIO => {
    const file = new InstanceLogFile(path.join(logDir, `${name}.log`));
    logFiles.push(file);
    const capture = new OutputCapture(name, file, options.quiet ? null : consoleOut);
    captures.push(capture);
    return {
      note: (text) => {
        // --quiet hides the processes' output, never muster's own lines about them.
        consoleOut.say(name, 'muster', text);
        file.note(text);
      },
      attachOutput: (stdout, stderr) => capture.attach(stdout, stderr),
      lastLines: (n) => capture.lastLines(n),
      startProbe: (env, report) => {
        if (!p.ready) throw new Error(`${name} has no probe`);
        return startProbe(expandProbe(p.ready, env), { cwd: p.cwd, env, onLine: (l) => capture.onLine(l) }, (r) => report(r.passed, r.passed ? '' : r.reason));
      },
    };
  };

  const supervisor = new Supervisor({
    config,
    services: { clock: systemClock, timers: systemTimers, spawner: nodeSpawner, groups: new LinuxProcessGroups() },
    inheritedEnv: options.environ,
    toArgv: (command) => toArgv(command).argv,
    createIO,
  });

  // muster must outlive anything its children do; a bug of ours is reported, not fatal to them.
  process.on('uncaughtException', (error) => say(`internal error (muster keeps running): ${error.stack ?? error}`));
  process.on('unhandledRejection', (error) => say(`internal error (muster keeps running): ${String(error)}`));
  process.on('SIGPIPE', () => undefined);

  let exitCode = 0;
  const done = new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals === 1) {
        say(`${signal}: stopping every process gracefully, dependents first (press Ctrl-C again to force)`);
        supervisor.stopAll().then(resolve);
      } else if (signals === 2) {
        say(`${signal} again: killing every process group now`);
        exitCode = 130;
        const forced = supervisor.forceKillAll();
        Promise.race([forced, new Promise((r) => setTimeout(r, FORCE_EXIT_WAIT_MS))]).then(() => resolve());
      }
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    // The terminal went away: nobody can watch or stop the app any more, so stop it like Ctrl-C.
    process.on('SIGHUP', onSignal);
  });

  // Signal handlers do not keep Node's event loop alive: once every one-shot has exited and no timer
  // is left, muster would end silently (exit 0, no "bye", files not closed). It runs until stopped.
  const keepAlive = setInterval(() => undefined, 2 ** 31 - 1);
  say(`starting ${names.length} instance${names.length === 1 ? '' : 's'} of ${config.processes.length} process${config.processes.length === 1 ? '' : 'es'} in ${config.root} (logs in .muster/logs/)`);
  const activity = settleMemoryWhenQuiet();
  supervisor.onTransition(activity);
  supervisor.startAll();
  await done;
  clearInterval(keepAlive);
  // A stopped process's last output may still be in its pipe: read it before closing its file.
  await withTimeout(Promise.all(captures.map((c) => c.whenEnded())), OUTPUT_EOF_WAIT_MS);
  say(exitCode === 0 ? 'every process stopped; bye' : 'forced stop; bye');
  for (const f of logFiles) f.close();
  // Nobody may be reading our stdout any more (a closed terminal, a stuck pipe): do not hang on it.
  await withTimeout(consoleOut.drain(), CONSOLE_DRAIN_WAIT_MS);
  return exitCode;
}

function withTimeout(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expiry = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise.then(() => undefined), expiry]).finally(() => clearTimeout(timer));
}

/** ${VAR} in a connect or http probe follows the instance's own environment (its PORT, say). */
function expandProbe(probe: ReadyProbe, env: Readonly<Record<string, string>>): ReadyProbe {
  const expand = (text: string) => expandVariables(text, (name) => env[name]).value;
  switch (probe.kind) {
    case 'connect':
      return { ...probe, target: expand(probe.target) };
    case 'http':
      return { ...probe, url: expand(probe.url) };
    default:
      return probe; // exec runs under sh, which expands; log is a regular expression
  }
}
