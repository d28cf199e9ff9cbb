// Running one client command: find its supervisor (target.ts), build its context, load its
// module, and turn what went wrong into a message and a documented exit code (docs/control.md):
//   UsageError, and the API's bad_request / unknown_name / no_reload_signal / config_invalid -> 2
//   no control socket (ENOENT, or ENOTDIR: a file in the way) or nobody listening on it     -> 3
//   permission denied on the socket (EACCES): a supervisor may well run, you may not use it  -> 1
//   any other API error, a broken connection, a malformed answer                            -> 1

import * as path from 'node:path';
import type { Diagnostic } from '../../config/diagnostics';
import { ApiError, ControlClient } from './control-client';
import type { ClientCommand, ClientContext, ClientOptions } from './context';
import { EXIT, UsageError } from './exit-codes';
import { explainPermissionDenied } from './permission';
import { controlTarget, type ControlTarget } from './target';
import { ConnectError, NoAnswerError } from './unix-http';

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
  /** Whether -C was given (it then beats MUSTER_APP). */
  readonly dirGiven?: boolean;
  /** --app NAME. */
  readonly app?: string;
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
  const err = (text: string) => process.stderr.write(text);
  let target: ControlTarget;
  try {
    target = controlTarget({ dir: invocation.dir, dirGiven: invocation.dirGiven ?? false, app: invocation.app, environ: invocation.environ });
  } catch (error) {
    return report(err, command, null, error);
  }
  const context: ClientContext = {
    ...invocation,
    target,
    client: new ControlClient(target.socketPath),
    out: (text) => process.stdout.write(text),
    err,
  };
  try {
    return await command.run(context);
  } catch (error) {
    return report(err, command, context, error);
  }
}

function report(err: (text: string) => void, command: ClientCommand, context: ClientContext | null, error: unknown): number {
  if (error instanceof UsageError) {
    err(`muster: ${error.message}\nusage: ${command.usage}\n`);
    return EXIT.usage;
  }
  if (context === null) throw error;
  if (error instanceof ConnectError && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED' || error.code === 'ENOTDIR')) {
    err(`${noSupervisorMessage(context.target, error.code)}\n`);
    return EXIT.noSupervisor;
  }
  if (error instanceof ConnectError && error.code === 'EACCES') {
    err(`${explainPermissionDenied(error.socketPath, context.environ)}\n`);
    return EXIT.failed;
  }
  if (error instanceof NoAnswerError) {
    err(`muster: ${error.message}${noAnswerHint(context.target)}\n`);
    return EXIT.failed;
  }
  if (error instanceof ApiError) return reportApiError(context, error);
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    err('muster: the supervisor closed the connection before answering (it is stopping, or serves too many connections already); try again\n');
    return EXIT.failed;
  }
  err(`muster: ${(error as Error).message ?? String(error)}\n`);
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

export function noSupervisorMessage(target: ControlTarget, code: 'ENOENT' | 'ECONNREFUSED' | 'ENOTDIR' = 'ENOENT'): string {
  // ENOTDIR: a file where the state folder should be (`touch .muster`); no supervisor can run there.
  const stateDir = path.dirname(target.socketPath);
  if (target.kind === 'folder') {
    if (code === 'ENOTDIR') return `muster: no supervisor is running for ${target.dir}: ${stateDir} (or a folder above it) is a file, not a folder; move it away, then start one with: muster -C ${shellWord(target.dir)} up -d`;
    return `muster: no supervisor is running for ${target.dir} (start one with: muster -C ${shellWord(target.dir)} up -d)`;
  }
  const why = code === 'ENOENT' ? `${target.socketPath} does not exist` : code === 'ENOTDIR' ? `${stateDir} is not a folder` : `nobody listens on ${target.socketPath}`;
  return `muster: no app tier is running for app ${target.app} (${why}; is the app registered, and does the host tier run? see muster host status)`;
}

/** A socket that accepts but never answers: under a host tier, the host holds the socket while the
 * app tier restarts (or fails to start), so the connection waits in its backlog. */
function noAnswerHint(target: ControlTarget): string {
  return target.kind === 'folder'
    ? ` (its pid is in ${target.pidFile})`
    : `; the host tier holds the socket while the app tier of ${target.app} restarts or fails to start: see muster host status and its muster.log`;
}

function shellWord(text: string): string {
  return /^[A-Za-z0-9_\/.,:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
