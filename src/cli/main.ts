#!/usr/bin/env node
// muster's command line: parse the global options, then hand over to one module per command.
// Commands are loaded on demand so a quick command does not pay for the others.

import { parseArgs } from 'node:util';
import * as path from 'node:path';

export const EXIT = { ok: 0, failed: 1, usage: 2, noSupervisor: 3 } as const;

const USAGE = `usage: muster [-C DIR] <command> [options]

commands:
  up            start every process of the app in the foreground (Ctrl-C stops them gracefully)
  config        check the app's configuration and print it resolved (--json for JSON)

options:
  -C DIR        the app folder (default: the current folder)
  -h, --help    this help
  --version     print muster's version

exit codes: 0 done, 1 an operation failed, 2 usage or config error
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
    process.stderr.write(`muster: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
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

function usageError(message: string): number {
  process.stderr.write(`muster: ${message}\n\n${USAGE}`);
  return EXIT.usage;
}

/** Run the command line and exit with its code: a command is done when `main` returns, and leftover
 * handles (a console retry timer, a closed terminal) must not keep the process alive. */
export function runCli(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`muster: internal error: ${(error as Error).stack ?? error}\n`);
      process.exit(70);
    },
  );
}

if (require.main === module) runCli();
