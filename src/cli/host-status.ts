// `muster host status [--json]`: the host tier's apps, from GET /v1/apps on RUN/host.sock; and
// askHost(), which `muster host reload` shares. Exit 3 when no host tier answers there (docs/host.md).
import * as path from 'node:path';
import type { AppView, HostView } from '../host/host-api';
import { DEFAULT_RUN_BASE, hostSocketFile } from '../host/host-paths';
import { EXIT } from './client/exit-codes';
import { ConnectError, fetchAnswer } from './client/unix-http';

const ANSWER_MS = 10_000;

export interface HostStatusOptions {
  readonly json: boolean;
  readonly runDir: string | undefined;
  readonly environ: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export async function runHostStatus(options: HostStatusOptions): Promise<number> {
  const answer = await askHost(options, 'GET', '/v1/apps');
  if (typeof answer === 'number') return answer;
  if (options.json) {
    options.out(`${answer}\n`);
    return EXIT.ok;
  }
  options.out(renderHostStatus(JSON.parse(answer) as HostView, Date.now()));
  return EXIT.ok;
}

/** The host's answer (200) as text, or the exit code after saying what went wrong. */
export async function askHost(options: Omit<HostStatusOptions, 'json' | 'out'>, method: 'GET' | 'POST', target: string): Promise<string | number> {
  const runBase = path.resolve(options.runDir ?? options.environ.MUSTER_RUN_DIR ?? DEFAULT_RUN_BASE);
  const socket = hostSocketFile(runBase);
  try {
    const answer = await fetchAnswer(socket, { method, path: target }, ANSWER_MS);
    const text = answer.body.toString('utf8');
    if (answer.status === 200) return text;
    options.err(`muster: the host tier answered ${answer.status}: ${errorMessage(text)}\n`);
    return EXIT.failed;
  } catch (error) {
    if (error instanceof ConnectError && (error.code === 'ENOENT' || error.code === 'ECONNREFUSED')) {
      options.err(`muster: no host tier is running (nothing answers on ${socket})\n`);
      return EXIT.noSupervisor;
    }
    if (error instanceof ConnectError && error.code === 'EACCES') {
      options.err(`muster: permission denied on ${socket}: the host tier is root's only (try: sudo muster host ${target === '/v1/apps' ? 'status' : 'reload'})\n`);
      return EXIT.failed;
    }
    options.err(`muster: ${(error as Error).message}\n`);
    return EXIT.failed;
  }
}

/** The message of a JSON error answer, else the text as it came. */
function errorMessage(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    /* not JSON */
  }
  return text;
}

/** One line per app: name, user, state, tier pid, for how long, restarts, then the problem. */
export function renderHostStatus(view: HostView, now: number): string {
  const header = ['APP', 'USER', 'STATE', 'PID', 'SINCE', 'RESTARTS', 'LAST EXIT'];
  const rows = view.apps.map((a) => [a.name, a.user ?? '-', a.state, a.pid === null ? '-' : String(a.pid), ago(a.since, now), String(a.restarts), lastExit(a)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header)];
  view.apps.forEach((a, i) => {
    out.push(line(rows[i]!));
    if (a.problem !== null) out.push(`  ${a.problem}`);
  });
  if (view.apps.length === 0) out.push('(no app is registered)');
  return `${out.join('\n')}\n`;
}

function lastExit(a: AppView): string {
  if (a.last_exit === null) return '-';
  return a.last_exit.signal !== null ? a.last_exit.signal : `code ${a.last_exit.code}`;
}

function ago(since: number, now: number): string {
  const s = Math.max(0, Math.round((now - since) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
