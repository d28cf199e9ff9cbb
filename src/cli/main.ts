#!/usr/bin/env node
// muster's command line: parse the global options, then hand over to one module per command.
// Commands are loaded on demand so a quick command does not pay for the others.

import { parseArgs } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const EXIT = { ok: 0, failed: 1, usage: 2, noSupervisor: 3 } as const;

const USAGE = `usage: muster [-C DIR] <command> [options]

commands:
  up            start every process of the app in the foreground (Ctrl-C stops them gracefully,
                a second Ctrl-C kills them); -q, --quiet: do not show the processes' output
                (it still goes to .muster/logs/; muster's own lines are still shown)
  config        check the app's configuration and print it resolved (--json for JSON)

options:
  -C DIR        the app folder (default: the current folder)
  -h, --help    this help
  --version     print muster's version

exit codes: 0 done, 1 an operation failed, 2 usage or config error, 130 forced stop (second Ctrl-C)
`;

export async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        dir: { type: 'string', short: 'C' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
      },
    });
  } catch (error) {
    const unknown = /Unknown option '([^']+)'/.exec((error as Error).message);
    return usageError(unknown ? `unknown option ${unknown[1]}` : (error as Error).message);
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
  const dir = path.resolve(values.dir ?? '.');
  if (!isDirectory(dir)) {
    process.stderr.write(`muster: ${dir} is not a folder (the app folder holds Procfile, muster.toml or .env)\n`);
    return EXIT.usage;
  }
  switch (command) {
    case 'up': {
      if (rest.length > 0) return usageError(`up takes no arguments (got ${rest.join(' ')})`);
      const { runUp } = await import('./up-command');
      return runUp({ dir, quiet: values.quiet ?? false, environ: process.env });
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
    default:
      return usageError(`unknown command "${command}"`);
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function usageError(message: string): number {
  process.stderr.write(`muster: ${message}\n\n${USAGE}`);
  return EXIT.usage;
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
