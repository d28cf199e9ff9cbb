#!/usr/bin/env node
// muster's command line: parse the global options, then hand over to one module per command.
// Commands are loaded on demand so a quick command does not pay for the others.

import { parseArgs } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';

import { EXIT } from './client/exit-codes';

export { EXIT };

const USAGE = `usage: muster [-C DIR | --app NAME] <command> [options]

commands:
  up            start every process of the app in the foreground (Ctrl-C stops them gracefully,
                a second Ctrl-C kills them); -q, --quiet: do not show the processes' output
                (it still goes to .muster/logs/; muster's own lines are still shown);
                -d, --detach: run the supervisor in the background, print the status once
                everything started (--json: as JSON)
  config        check the app's configuration and print it resolved (--json for JSON)
  audit [APP]   check registered apps (every one without APP) for files, sockets and processes
                open to more than they should be (docs/audit.md); --apps, --run-dir, --state-dir,
                --log-dir DIR: the host folders (default /etc/muster/apps, $MUSTER_RUN_DIR or
                /run/muster, /var/lib/muster, /var/log/muster); exit 1 when something severe was found
  host          the root host tier (docs/host.md): start each registered app's tier as its user
                and keep it running, in the foreground; --apps, --run-dir, --state-dir, --log-dir
                DIR as for audit
  host status   the host tier's apps and their tiers (--json: as JSON); exit 3 if no host runs
  host reload   the host reads its registrations again (as on SIGHUP): starts added apps, stops
                removed ones, restarts only those whose registration changed; a changed one that
                is refused leaves its app running as it was (--json: the plan as JSON)

  talking to a running supervisor (see docs/control.md):
  status [NAME...]              one line per instance: state, pid, uptime, restarts, cpu, memory
  start NAME...                 start (and what they depend on), wait until ready
  stop NAME...                  stop gracefully; --with-dependents: their dependents first
  restart NAME...               stop then start; --with-dependents: their dependents too
  reload NAME...                send each its reload_signal
  signal SIGNAL NAME...         send a signal (HUP, USR1, 10...) to the main processes
  logs [NAME...]                the latest lines (-n N, default 20; --since 10m);
                                -f, --follow: then every new line until Ctrl-C
  apply [--dry-run]             re-read the config and apply only what changed
  wait NAME...                  wait until ready (--for stopped; --timeout 30s)
  down                          stop every process, then the supervisor
  NAME: a process (worker), an instance (worker.2) or all. start, stop and restart wait
  until done unless --no-wait. --json: print the API's answer (logs -f: one object a line).

options:
  -C DIR        the app folder (default: the current folder)
  --app NAME    talk to app NAME's tier under the host tier, through
                $MUSTER_RUN_DIR/NAME/control.sock (default /run/muster/NAME/control.sock);
                MUSTER_APP=NAME does the same for every command but up and config
  -h, --help    this help
  --version     print muster's version

exit codes: 0 done, 1 an operation failed (not ok, not ready, a wait timed out, permission
denied on the control socket), 2 usage or config error (an unknown name, a bad signal),
3 no supervisor is running for the app, 130 forced stop (second Ctrl-C)
`;

/** Options that belong to commands; each command accepts only those listed in ACCEPTS. */
const COMMAND_OPTIONS = {
  json: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
  detach: { type: 'boolean', short: 'd' },
  follow: { type: 'boolean', short: 'f' },
  lines: { type: 'string', short: 'n' },
  since: { type: 'string' },
  'dry-run': { type: 'boolean' },
  for: { type: 'string' },
  timeout: { type: 'string' },
  'with-dependents': { type: 'boolean' },
  'no-wait': { type: 'boolean' },
  apps: { type: 'string' },
  'run-dir': { type: 'string' },
  'state-dir': { type: 'string' },
  'log-dir': { type: 'string' },
} as const;

type CommandOption = keyof typeof COMMAND_OPTIONS;

const ACCEPTS: Readonly<Record<string, readonly CommandOption[]>> = {
  up: ['quiet', 'detach', 'json'],
  config: ['json'],
  status: ['json'],
  start: ['json', 'no-wait'],
  stop: ['json', 'no-wait', 'with-dependents'],
  restart: ['json', 'no-wait', 'with-dependents'],
  reload: ['json'],
  signal: ['json'],
  logs: ['json', 'follow', 'lines', 'since'],
  apply: ['json', 'dry-run'],
  wait: ['json', 'for', 'timeout'],
  down: ['json'],
  audit: ['json', 'apps', 'run-dir', 'state-dir', 'log-dir'],
  host: ['json', 'apps', 'run-dir', 'state-dir', 'log-dir'],
};

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        dir: { type: 'string', short: 'C' },
        app: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        ...COMMAND_OPTIONS,
      },
    });
  } catch (error) {
    const message = (error as Error).message;
    const unknown = /Unknown option '([^']+)'/.exec(message);
    // "Option '-n, --lines <value>' argument missing" -> "-n/--lines needs a value"
    const missing = /Option '(?:(-\w), )?(--[\w-]+) <value>' argument missing/.exec(message);
    return usageError(
      unknown ? `unknown option ${unknown[1]}` :
      missing ? `${missing[1] ? `${missing[1]}/` : ''}${missing[2]} needs a value` :
      message);
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`muster ${require('../../../package.json').version}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  const accepts = ACCEPTS[command];
  if (accepts === undefined) return usageError(`unknown command "${command}"`);
  const stray = (Object.keys(COMMAND_OPTIONS) as CommandOption[]).filter((o) => values[o] !== undefined && !accepts.includes(o));
  if (stray.length > 0) return usageError(`${command} does not take ${stray.map(optionName).join(', ')}`);
  if (command === 'audit') {
    // Audits the host's registered apps: no app folder involved.
    const { runAudit } = await import('../audit/command');
    return runAudit({
      args: rest,
      json: values.json ?? false,
      dirs: { apps: values.apps, run: values['run-dir'], state: values['state-dir'], log: values['log-dir'] },
      out: (s) => process.stdout.write(s),
      err: (s) => process.stderr.write(s),
    });
  }
  if (command === 'host') return runHostCommand(rest, values);
  if (values.app !== undefined && (command === 'up' || command === 'config')) {
    return usageError(`${command} does not take --app: it works on an app folder (-C DIR); the host tier starts each app's tier itself`);
  }
  const dir = path.resolve(values.dir ?? '.');
  // With --app (or MUSTER_APP) the folder is not used: the current one need not be an app's.
  if (values.app === undefined && !isDirectory(dir)) {
    process.stderr.write(`muster: ${dir} is not a folder (the app folder holds Procfile, muster.toml or .env)\n`);
    return EXIT.usage;
  }
  switch (command) {
    case 'up': {
      if (rest.length > 0) return usageError(`up takes no arguments (got ${rest.join(' ')})`);
      const { runUp } = await import('./up-command');
      if (values.json && !values.detach) return usageError('up takes --json only with -d (the status once everything started)');
      return runUp({ dir, quiet: values.quiet ?? false, environ: process.env, detach: values.detach ?? false, json: values.json ?? false });
    }
    case 'config': {
      if (rest.length > 0) return usageError(`config takes no arguments (got ${rest.join(' ')})`);
      const { runConfigCommand } = await import('./config-command');
      return runConfigCommand({
        dir,
        json: values.json ?? false,
        out: (s) => process.stdout.write(s),
        err: (s) => process.stderr.write(s),
        environ: process.env,
      });
    }
    default: {
      const { runClientCommand } = await import('./client/run');
      return runClientCommand({
        command,
        args: rest,
        dir,
        dirGiven: values.dir !== undefined,
        app: values.app,
        environ: process.env,
        stdoutIsTTY: () => process.stdout.isTTY === true,
        options: {
          json: values.json ?? false,
          follow: values.follow ?? false,
          lines: values.lines,
          since: values.since,
          dryRun: values['dry-run'] ?? false,
          for: values.for,
          timeout: values.timeout,
          withDependents: values['with-dependents'] ?? false,
          noWait: values['no-wait'] ?? false,
        },
      });
    }
  }
}

/** `muster host` (the root tier, in the foreground), `muster host status` or `muster host reload`. */
async function runHostCommand(rest: readonly string[], values: { json?: boolean; apps?: string; 'run-dir'?: string; 'state-dir'?: string; 'log-dir'?: string; app?: string }): Promise<number> {
  if (values.app !== undefined) return usageError('host does not take --app: it runs every registered app');
  const [sub, ...extra] = rest;
  if (sub === 'status' || sub === 'reload') {
    if (extra.length > 0) return usageError(`host ${sub} takes no arguments (got ${extra.join(' ')})`);
    const stray = (['apps', 'state-dir', 'log-dir'] as const).filter((o) => values[o] !== undefined);
    if (stray.length > 0) return usageError(`host ${sub} does not take ${stray.map((o) => `--${o}`).join(', ')}${sub === 'reload' ? ' (the host reads the folder it was started with)' : ''}`);
    const options = { json: values.json ?? false, runDir: values['run-dir'], environ: process.env, out: (s: string) => process.stdout.write(s), err: (s: string) => process.stderr.write(s) };
    if (sub === 'reload') return (await import('./host-reload')).runHostReload(options);
    return (await import('./host-status')).runHostStatus(options);
  }
  if (sub !== undefined) return usageError(`unknown host command "${sub}" (muster host, muster host status, or muster host reload)`);
  if (values.json) return usageError('host takes --json only as host status --json or host reload --json');
  const { runHost } = await import('../host/host-command');
  return runHost({ apps: values.apps, run: values['run-dir'], state: values['state-dir'], log: values['log-dir'], environ: process.env, err: (s) => process.stderr.write(s) });
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function usageError(message: string): number {
  process.stderr.write(`muster: ${message}\n(muster --help lists the commands and their options; docs/control.md explains them)\n`);
  return EXIT.usage;
}

/** `-n/--lines` for an option with a short form, as the user may have typed either. */
function optionName(option: CommandOption): string {
  const short = (COMMAND_OPTIONS[option] as { short?: string }).short;
  return short ? `-${short}/--${option}` : `--${option}`;
}

/** Run the command line and exit with its code once stdout and stderr are flushed (exiting at once
 * would cut piped output at 64 KiB), without waiting on handles a command left behind. */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => flushThenExit(code),
    (error) => {
      process.stderr.write(`muster: internal error: ${(error as Error).stack ?? error}\n`);
      flushThenExit(70);
    },
  );
}

/** A reader that never drains our output must not keep us alive for ever. */
const FLUSH_WAIT_MS = 5000;

function flushThenExit(code: number): void {
  setTimeout(() => process.exit(code), FLUSH_WAIT_MS);
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

if (require.main === module) runCli();
