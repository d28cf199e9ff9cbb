// Running one client command: build its context, load its module, and turn what went wrong into
// a message and a documented exit code (docs/control.md):
//   UsageError, and the API's bad_request / unknown_name / no_reload_signal / config_invalid -> 2
//   no control socket (ENOENT) or nobody listening on it (ECONNREFUSED)                     -> 3
//   any other API error, a broken connection, a malformed answer                            -> 1

import type { Diagnostic } from '../../config/diagnostics';
import { ApiError, ControlClient } from './control-client';
import type { ClientCommand, ClientContext, ClientOptions } from './context';
import { EXIT, UsageError } from './exit-codes';
import { ConnectError } from './unix-http';

const COMMANDS: Readonly<Record<string, () => Promise<ClientCommand>>> = {
  status: () => import('./status-command').then((m) => m.statusCommand),
  start: () => import('./action-command').then((m) => m.actionCommands.start),
  stop: () => import('./action-command').then((m) => m.actionCommands.stop),
  restart: () => import('./action-command').then((m) => m.actionCommands.restart),
  reload: () => import('./action-command').then((m) => m.actionCommands.reload),
  signal: () => import('./action-command').then((m) => m.actionCommands.signal),
  logs: () => import('./logs-command').then((m) => m.logsCommand),
  apply: () => import('./apply-command').then((m) => m.applyCommand),
  wait: () => import('./wait-command').then((m) => m.waitCommand),
  down: () => import('./down-command').then((m) => m.downCommand),
};

/** API error codes that mean "you asked for something wrong", like a usage error. */
const USAGE_CODES = new Set(['bad_request', 'unknown_name', 'no_reload_signal', 'config_invalid']);

export interface ClientInvocation {
  readonly command: string;
  readonly args: readonly string[];
  readonly options: ClientOptions;
  readonly dir: string;
  readonly environ: Readonly<Record<string, string | undefined>>;
  readonly stdoutIsTTY: () => boolean;
}

export async function runClientCommand(invocation: ClientInvocation): Promise<number> {
  const load = COMMANDS[invocation.command];
  if (load === undefined) throw new Error(`${invocation.command} is not a client command`);
  const command = await load();
  // `muster logs -f | head`: once the reader is gone there is nobody left to tell anything.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(EXIT.ok);
  });
  const context: ClientContext = {
    ...invocation,
    client: new ControlClient(invocation.dir),
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
  try {
    return await command.run(context);
  } catch (error) {
    return report(context, command, error);
  }
}

function report(context: ClientContext, command: ClientCommand, error: unknown): number {
  if (error instanceof UsageError) {
    context.err(`muster: ${error.message}\nusage: ${command.usage}\n`);
    return EXIT.usage;
  }
  if (error instanceof ConnectError && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) {
    context.err(`${noSupervisorMessage(context.dir)}\n`);
    return EXIT.noSupervisor;
  }
  if (error instanceof ApiError) return reportApiError(context, error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    context.err('muster: the supervisor closed the connection before answering (it is stopping, or serves too many connections already); try again\n');
    return EXIT.failed;
  }
  context.err(`muster: ${(error as Error).message ?? String(error)}\n`);
  return EXIT.failed;
}

function reportApiError(context: ClientContext, error: ApiError): number {
  const diagnostics = error.body.diagnostics;
  if (Array.isArray(diagnostics)) for (const d of diagnostics) context.err(`${diagnosticText(d)}\n`);
  context.err(`muster: ${error.message}\n`);
  return USAGE_CODES.has(error.code) ? EXIT.usage : EXIT.failed;
}

/** api.md says "file:line:col messages": strings are shown as they are; objects are the config's
 * Diagnostic ({ file, line, column, message, hint }), shown as `muster config` shows them. */
function diagnosticText(d: unknown): string {
  if (typeof d === 'string') return d;
  const o = d as Partial<Diagnostic> | null;
  if (o === null || typeof o !== 'object' || typeof o.message !== 'string') return JSON.stringify(d);
  // Loaded only here: every module costs about half a millisecond of `muster status`.
  const { formatDiagnostic } = require('../../config/diagnostics') as typeof import('../../config/diagnostics');
  return formatDiagnostic({ file: o.file ?? '', line: o.line ?? 0, column: o.column ?? 0, message: o.message, hint: o.hint ?? null });
}

export function noSupervisorMessage(dir: string): string {
  return `muster: no supervisor is running for ${dir} (start one with: muster -C ${shellWord(dir)} up -d)`;
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_\/.,:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
