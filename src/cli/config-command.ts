// `muster config [--json]`: load the app config and print it resolved, or print every problem.
// Exit 0 when valid, 2 when not. With --json a failure also prints {"diagnostics": [...]} on out,
// so tools never need to parse the human text on err.
import { formatDiagnostic } from '../config/diagnostics';
import { formatDuration } from '../config/duration';
import { loadAppConfig } from '../config/load';
import { AppConfig, ProcessConfig, ReadyProbe, SocketConfig } from '../config/model';
import { formatAddress, formatMode } from '../config/sockets';
import { toArgv } from '../os/command';

export interface ConfigCommandOptions {
  dir: string;
  json: boolean;
  out: (s: string) => void;
  err: (s: string) => void;
  environ: Record<string, string | undefined>;
}

export const CONFIG_EXIT = { ok: 0, invalid: 2 } as const;

export function runConfigCommand(opts: ConfigCommandOptions): number {
  const result = loadAppConfig(opts.dir, opts.environ);
  if (!result.ok) {
    for (const d of result.diagnostics) opts.err(`${formatDiagnostic(d)}\n`);
    const n = result.diagnostics.length;
    opts.err(`muster: ${n} problem${n === 1 ? '' : 's'} in the config of ${opts.dir}\n`);
    if (opts.json) opts.out(`${JSON.stringify({ diagnostics: result.diagnostics }, null, 2)}\n`);
    return CONFIG_EXIT.invalid;
  }
  opts.out(opts.json ? `${JSON.stringify(configToJson(result.config), null, 2)}\n` : renderHuman(result.config));
  return CONFIG_EXIT.ok;
}

/** The documented --json shape (snake_case keys). */
export function configToJson(config: AppConfig): unknown {
  const processes: Record<string, unknown> = {};
  for (const p of config.processes) {
    const { shell, argv } = toArgv(p.command);
    processes[p.name] = {
      command: p.command,
      exec: { shell, argv },
      cwd: p.cwd,
      env: p.env,
      instances: p.instances,
      depends_on: p.dependsOn,
      restart: p.restart,
      stop_signal: p.stopSignal,
      stop_timeout_ms: p.stopTimeoutMs,
      stop_scope: p.stopScope,
      reload_signal: p.reloadSignal,
      ready: p.ready === null ? null : readyToJson(p.ready),
      port: p.basePort,
      max_restarts: p.maxRestarts,
      restart_window_ms: p.restartWindowMs,
      sockets: p.sockets,
    };
  }
  const sockets: Record<string, unknown> = {};
  for (const s of config.sockets) sockets[s.name] = socketToJson(s);
  return { root: config.root, order: config.processes.map((p) => p.name), processes, sockets };
}

function socketToJson(s: SocketConfig): Record<string, unknown> {
  return s.kind === 'unix'
    ? { kind: s.kind, path: s.path, mode: formatMode(s.mode), backlog: s.backlog }
    : { kind: s.kind, host: s.host, port: s.port, backlog: s.backlog };
}

function readyToJson(r: ReadyProbe): Record<string, unknown> {
  switch (r.kind) {
    case 'connect': return { kind: r.kind, target: r.target, timeout_ms: r.timeoutMs };
    case 'http': return { kind: r.kind, url: r.url, timeout_ms: r.timeoutMs };
    case 'exec': return { kind: r.kind, command: r.command, timeout_ms: r.timeoutMs };
    case 'log': return { kind: r.kind, pattern: r.pattern, timeout_ms: r.timeoutMs };
  }
}

function renderHuman(config: AppConfig): string {
  const lines = [`app ${config.root}`];
  if (config.sockets.length > 0) lines.push('', 'sockets (held by muster)', ...config.sockets.map(renderSocket));
  for (const p of config.processes) lines.push('', ...renderProcess(p));
  return `${lines.join('\n')}\n`;
}

function renderSocket(s: SocketConfig): string {
  const where = s.kind === 'unix' ? `unix ${s.path}, mode ${formatMode(s.mode)}` : `tcp ${formatAddress(s)}`;
  return `  ${s.name.padEnd(15)}${where}, backlog ${s.backlog}`;
}

function renderProcess(p: ProcessConfig): string[] {
  const row = (k: string, v: string) => `  ${k.padEnd(15)}${v}`;
  const exec = toArgv(p.command);
  const deps = Object.entries(p.dependsOn).map(([n, c]) => `${n} (${c})`).join(', ');
  const lines = [
    `[${p.name}]`,
    row('command', p.command),
    row('runs', exec.shell ? 'via /bin/sh -c' : `directly: ${JSON.stringify(exec.argv)}`),
    row('cwd', p.cwd),
    row('instances', String(p.instances)),
    row('port', p.basePort === null ? 'set by the app (PORT)' : p.instances > 1 ? `${p.basePort}..${p.basePort + p.instances - 1}` : String(p.basePort)),
    row('depends on', deps === '' ? '-' : deps),
    row('ready', p.ready === null ? '- (ready when started)' : describeReady(p.ready)),
    row('restart', `${p.restart} (fatal after more than ${p.maxRestarts} restarts in ${formatDuration(p.restartWindowMs)})`),
    row('stop', `${p.stopSignal}, then SIGKILL after ${formatDuration(p.stopTimeoutMs)} (scope: ${p.stopScope})`),
    row('reload', p.reloadSignal ?? '-'),
    row('sockets', p.sockets.length === 0 ? '-' : p.sockets.map((name, i) => `${name} (fd ${3 + i})`).join(', ')),
  ];
  const env = Object.entries(p.env);
  if (env.length > 0) {
    lines.push('  env');
    for (const [k, v] of env) lines.push(`    ${k}=${JSON.stringify(v)}`);
  }
  return lines;
}

function describeReady(r: ReadyProbe): string {
  const t = `timeout ${formatDuration(r.timeoutMs)}`;
  switch (r.kind) {
    case 'connect': return `connect ${r.target} (${t})`;
    case 'http': return `http ${r.url} (${t})`;
    case 'exec': return `exec ${r.command} (${t})`;
    case 'log': return `log /${r.pattern}/ (${t})`;
  }
}
