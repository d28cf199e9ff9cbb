// The /v1 resources of the control socket (docs/api.md), on top of the supervisor. Every request
// turns into supervisor calls that queue events; nothing here changes an instance directly.

import type { AppConfig, SocketConfig } from '../config/model';
import { canonicalSignal } from '../config/signals';
import type { Instance } from '../core/instance';
import type { InstanceRuntime } from '../core/machine';
import { LIVE_STATES } from '../core/states';
import { changedSockets, isEmptyPlan, planApply } from '../core/plan';
import type { InstanceResult, Supervisor } from '../core/supervisor';
import { recentLines, type LogSource } from '../logs/recent-lines';
import type { LiveFeed } from './feed';
import { ApiError, type ApiRequest, type Routes } from './http-server';
import { instanceStatus } from './status';
import { openEventStream } from './event-stream';

export interface ControlledApp {
  readonly supervisor: Supervisor;
  readonly root: string;
  readonly pid: number;
  readonly version: string;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly feed: LiveFeed;
  /** Monotonic ms, the clock the supervisor's spawn times use. */
  monotonicNow(): number;
  logSource(instance: Instance): LogSource;
  /** Read the config again, with the environment the supervisor started with. */
  readConfig(): { ok: true; config: AppConfig } | { ok: false; diagnostics: string[] };
  /** Stop every process (ordered) and resolve once every group is empty; the supervisor then exits.
   * Called again while stopping, it returns the same promise. */
  shutdown(): Promise<void>;
  readonly stopping: boolean;
  /** The signal that cut the graceful stop short (every group SIGKILLed), or null. */
  readonly forcedBy: string | null;
  /** Started by the host tier (MUSTER_HOST=1), which restarts a tier that ends: `down` is refused. */
  readonly hostManaged: boolean;
  /** Make and hold sockets `apply` added; null when done, else why not (nothing was made). */
  openSockets(configs: readonly SocketConfig[]): Promise<string | null>;
  /** Close and unlink sockets `apply` removed (their processes already stopped or restarted without them). */
  closeSockets(names: readonly string[]): void;
}

const MAX_LOG_LINES = 10_000;
const DEFAULT_LOG_LINES = 100;

export function createRoutes(app: ControlledApp): Routes {
  const { supervisor } = app;

  const select = (names: readonly string[]): Instance[] => {
    const chosen = supervisor.select(names.length === 0 ? ['all'] : names);
    if (!chosen.ok) {
      const list = chosen.unknown.map((n) => JSON.stringify(n)).join(', ');
      throw new ApiError(404, 'unknown_name', `no process or instance named ${list}; valid names: ${chosen.valid.join(', ')}`, { valid: chosen.valid, unknown: chosen.unknown });
    }
    return chosen.instances;
  };

  const refuseWhileStopping = () => {
    if (app.stopping) throw new ApiError(409, 'shutting_down', 'the supervisor is stopping every process (muster down); nothing else can be done now');
  };

  const statusOf = (i: Instance) => instanceStatus(i, app.monotonicNow());

  // One apply at a time, as systemd queues its jobs: the supervisor takes on the new config as soon
  // as an apply begins, so a second one planned meanwhile would find nothing to do and answer
  // before the first's restarts were over. It waits for the first to end, then reads the config.
  let applyInProgress: Promise<void> | null = null;

  const readPlan = () => {
    const read = app.readConfig();
    if (!read.ok) {
      throw new ApiError(422, 'config_invalid', `the config has ${read.diagnostics.length === 1 ? 'an error' : `${read.diagnostics.length} errors`}; nothing was changed`, { diagnostics: read.diagnostics });
    }
    const sockets = changedSockets(supervisor.appConfig, read.config);
    if (sockets.length > 0) {
      const list = sockets.map((name) => `[socket.${name}]`).join(', ');
      throw new ApiError(409, 'sockets_changed', `${list} changed: a socket that processes hold cannot be replaced in place (it would be a new one, and its waiting connections lost), so this needs a new supervisor (muster down, then muster up -d); adding or removing a socket is fine; nothing was changed`, { sockets });
    }
    return { config: read.config, plan: planApply(supervisor.appConfig, read.config) };
  };

  return {
    '/v1/app': {
      GET: () => ({
        root: app.root,
        pid: app.pid,
        version: app.version,
        started_at: app.startedAt,
        stopping: app.stopping,
        processes: supervisor.appConfig.processes.map((p) => p.name),
        instances: supervisor.instances.map((i) => i.name),
      }),
    },

    '/v1/processes': {
      GET: () =>
        supervisor.appConfig.processes.map((p) => ({
          name: p.name,
          command: p.command,
          instances: supervisor.instancesOf(p.name).map((i) => i.name),
          depends_on: p.dependsOn,
          stop_signal: p.stopSignal,
          stop_timeout_ms: p.stopTimeoutMs,
          reload_signal: p.reloadSignal,
          restart: p.restart,
          has_probe: p.ready !== null,
        })),
    },

    '/v1/instances': {
      GET: (req) => select(req.query.getAll('name')).map(statusOf),
    },

    '/v1/actions': {
      POST: async (req) => {
        const action = stringField(req, 'action', ['start', 'stop', 'restart', 'reload', 'signal']);
        const names = namesField(req);
        const wait = booleanField(req, 'wait', true);
        const withDependents = booleanField(req, 'with_dependents', false);
        if (withDependents && action !== 'restart' && action !== 'stop') throw new ApiError(400, 'bad_request', '"with_dependents" applies to restart and stop only');
        refuseWhileStopping();
        const targets = select(names);
        if (action === 'reload' || action === 'signal') return signalAction(action, targets, req);
        const pending =
          action === 'start' ? supervisor.start(targets) :
          action === 'stop' ? supervisor.stop(targets, withDependents) :
          supervisor.restart(targets, withDependents);
        if (!wait) return { action, ok: true, results: targets.map((i) => ({ name: i.name, outcome: 'accepted', state: i.state, pid: i.runtime.pid, message: `${action} requested` })) };
        return { action, ...report(action, await pending) };
      },
    },

    '/v1/wait': {
      POST: async (req) => {
        const names = namesField(req);
        const goal = req.body.for === undefined ? 'ready' : stringField(req, 'for', ['ready', 'stopped']);
        // setTimeout's limit is 2^31-1 ms (24.8 days).
        const timeoutMs = req.body.timeout_ms === undefined ? 30_000 : numberField(req, 'timeout_ms', 0, 24 * 86_400_000);
        const results = await supervisor.wait(select(names), goal as 'ready' | 'stopped', timeoutMs);
        return report(`wait-${goal}`, results);
      },
    },

    '/v1/apply': {
      POST: async (req) => {
        const dryRun = booleanField(req, 'dry_run', false);
        refuseWhileStopping();
        // A dry run answers at once (its client waits only briefly): planned against the config
        // being applied, and saying that one is.
        if (dryRun) return { applied: false, ok: true, plan: readPlan().plan, results: [], apply_in_progress: applyInProgress !== null };
        while (applyInProgress) await applyInProgress;
        refuseWhileStopping();
        const { config, plan } = readPlan();
        if (isEmptyPlan(plan)) return { applied: false, ok: true, plan, results: [] };
        // New sockets exist before the processes that take them start; removed ones close after
        // the processes that held them stopped or restarted without them.
        const problem = await app.openSockets(config.sockets.filter((s) => plan.sockets.added.includes(s.name)));
        if (problem !== null) throw new ApiError(409, 'socket_unavailable', `${problem}; nothing was changed`);
        const applying = supervisor.apply(config, plan).then((results) => {
          app.closeSockets(plan.sockets.removed);
          return results;
        });
        const mine = (applyInProgress = applying.then(() => undefined));
        try {
          return { applied: true, ...report('apply', await applying), plan };
        } finally {
          if (applyInProgress === mine) applyInProgress = null;
        }
      },
    },

    '/v1/logs': {
      GET: (req) => {
        const lines = req.query.has('lines') ? queryNumber(req, 'lines', 0, MAX_LOG_LINES) : DEFAULT_LOG_LINES;
        const sinceMs = req.query.has('since_ms') ? queryNumber(req, 'since_ms', 0, Number.MAX_SAFE_INTEGER) : null;
        const targets = select(req.query.getAll('name'));
        return recentLines(targets.map((i) => app.logSource(i)), lines, sinceMs === null ? null : Date.now() - sinceMs);
      },
    },

    '/v1/events': {
      GET: (req) => {
        const targets = new Set(select(req.query.getAll('name')).map((i) => i.name));
        const all = req.query.getAll('name').length === 0 || req.query.getAll('name').includes('all');
        const processes = new Set(req.query.getAll('name'));
        // Instances added later by `apply` belong to a named process too.
        const wants = (instance: string) => all || targets.has(instance) || processes.has(instance.replace(/\.\d+$/, ''));
        openEventStream(req.raw, req.response, app.feed, wants, req.query.get('lines') === '1');
        return undefined;
      },
    },

    '/v1/shutdown': {
      POST: async () => {
        // Under a host tier the tier's life is root's: it would be started again within a second,
        // so ending it would only restart every process. Stopping processes is the operator's.
        if (app.hostManaged) {
          throw new ApiError(409, 'host_managed', 'this app runs under the host tier, which keeps its supervisor running: "muster stop all" stops every process and keeps them stopped ("muster start all" brings them back); taking the app off the host is root\'s (remove its registration, restart muster host)');
        }
        // A second `down` (or one after Ctrl-C) asks for what is already happening: it waits for
        // the same end. A 409 would leave its client guessing how long the stop may still take.
        if (app.stopping) {
          await app.shutdown();
          return { ok: true, already_stopping: true };
        }
        // Killed (SIGKILL after stop_timeout, or a signal that forced the stop) is not a clean stop:
        // the answer says which. Only instances that had a process when the stop began count.
        const live = new Set(supervisor.instances.filter((i) => LIVE_STATES.has(i.state)));
        await app.shutdown();
        const killed = supervisor.instances.filter((i) => live.has(i) && i.runtime.killed).map((i) => i.name);
        const stopped = supervisor.instances.filter((i) => !killed.includes(i.name)).map((i) => i.name);
        return { ok: true, stopped, ...(killed.length > 0 ? { killed } : {}), ...(app.forcedBy !== null ? { forced_by: app.forcedBy } : {}) };
      },
    },
  };

  function signalAction(action: 'reload' | 'signal', targets: readonly Instance[], req: ApiRequest) {
    let signal: string;
    if (action === 'reload') {
      const without = [...new Set(targets.filter((i) => i.process.reloadSignal === null).map((i) => i.process.name))];
      if (without.length > 0) {
        throw new ApiError(409, 'no_reload_signal', `${without.join(', ')} ha${without.length === 1 ? 's' : 've'} no reload_signal; set one in muster.toml (e.g. reload_signal = "HUP"), or use: muster signal SIGNAL NAME. Nothing was sent.`, { processes: without });
      }
      const results = targets.map((i) => deliver(i, i.process.reloadSignal!));
      return { action, ok: results.every((r) => r.outcome !== 'failed'), results };
    }
    const raw = req.body.signal;
    if (typeof raw !== 'string' && typeof raw !== 'number') throw new ApiError(400, 'bad_request', '"signal" must be a signal name such as "USR1" or a number');
    const parsed = typeof raw === 'number' ? signalByNumber(raw) : canonicalSignal(raw);
    if (!parsed.ok) throw new ApiError(400, 'bad_request', `${parsed.message}: ${parsed.hint}`);
    signal = parsed.name;
    const results = targets.map((i) => deliver(i, signal));
    return { action, ok: results.every((r) => r.outcome !== 'failed'), results };
  }

  function deliver(i: Instance, signal: string) {
    const pid = i.runtime.pid;
    if (pid === null) return { name: i.name, outcome: 'skipped', state: i.state, pid: null, message: `not running (${i.state}); nothing sent` };
    try {
      const sent = i.signal(signal);
      return sent
        ? { name: i.name, outcome: 'sent', state: i.state, pid, message: `sent ${signal} to pid ${pid}` }
        : { name: i.name, outcome: 'skipped', state: i.state, pid, message: `pid ${pid} is gone; nothing sent` };
    } catch (error) {
      return { name: i.name, outcome: 'failed', state: i.state, pid, message: `could not send ${signal}: ${(error as Error).message}` };
    }
  }

  /** Each instance as it was when its outcome was decided: a later request may have moved it on. */
  function report(action: string, results: readonly InstanceResult[]) {
    const rendered = results.map(({ instance: i, outcome, runtime, detail }) => ({
      name: i.name,
      outcome,
      state: runtime.state,
      pid: runtime.pid,
      message: detail ?? describe(action, outcome, runtime),
    }));
    // Anything but "got there" fails the request: a restart another request turned into a stop did not restart.
    return { ok: rendered.every((r) => r.outcome === 'done'), results: rendered };
  }
}

function describe(action: string, outcome: string, rt: InstanceRuntime): string {
  const exit = rt.lastExit ? (rt.lastExit.signal ?? `exit ${rt.lastExit.code}`) : null;
  switch (outcome) {
    case 'done':
      if (rt.state === 'ready') return `${action === 'restart' ? 'restarted' : action === 'apply' ? 'running with the new config' : 'ready'}, pid ${rt.pid}`;
      if (rt.state === 'exited') return `ran to completion (${exit})`;
      if (action === 'apply') return 'stopped and removed';
      return rt.killed ? `stopped: killed after stop_timeout (${exit})` : `stopped${exit ? ` (${exit})` : ''}`;
    case 'failed':
      if (rt.state === 'stopped') return 'stopped by an operator';
      return `${rt.state}${rt.reason ? `: ${rt.reason}` : exit ? ` (${exit})` : ''}`;
    case 'superseded':
      return `another request changed its course (now ${rt.state})`;
    case 'timeout':
      return `timed out; still ${rt.state}`;
    default:
      return rt.state;
  }
}

function stringField(req: ApiRequest, name: string, allowed: readonly string[]): string {
  const value = req.body[name];
  if (typeof value !== 'string' || !allowed.includes(value)) {
    throw new ApiError(400, 'bad_request', `"${name}" must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}${value === undefined ? ' (missing)' : ` (got ${JSON.stringify(value)})`}`);
  }
  return value;
}

function booleanField(req: ApiRequest, name: string, fallback: boolean): boolean {
  const value = req.body[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ApiError(400, 'bad_request', `"${name}" must be true or false (got ${JSON.stringify(value)})`);
  return value;
}

function numberField(req: ApiRequest, name: string, min: number, max: number): number {
  const value = req.body[name];
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) throw new ApiError(400, 'bad_request', `"${name}" must be a number from ${min} to ${max} (got ${JSON.stringify(value)})`);
  return value;
}

function namesField(req: ApiRequest): string[] {
  const value = req.body.names;
  if (!Array.isArray(value) || value.length === 0 || value.some((n) => typeof n !== 'string')) {
    throw new ApiError(400, 'bad_request', '"names" must be a non-empty array of process or instance names (or "all")');
  }
  return value as string[];
}

function queryNumber(req: ApiRequest, name: string, min: number, max: number): number {
  const text = req.query.get(name) ?? '';
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(value >= min && value <= max)) throw new ApiError(400, 'bad_request', `query parameter "${name}" must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`);
  return value;
}

function signalByNumber(n: number): { ok: true; name: string } | { ok: false; message: string; hint: string } {
  const { signals } = require('node:os').constants as { signals: Record<string, number> };
  const name = Object.keys(signals).find((k) => signals[k] === n);
  return name ? { ok: true, name } : { ok: false, message: `unknown signal number ${n}`, hint: 'use a signal name such as "USR1"' };
}
