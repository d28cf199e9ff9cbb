// One instance as GET /v1/instances shows it (docs/api.md): the machine's runtime, plus what
// /proc says about its process group right now.

import type { Instance } from '../core/instance';

export interface InstanceStatus {
  readonly name: string;
  readonly process: string;
  readonly state: string;
  readonly pid: number | null;
  readonly ready: boolean;
  readonly restarts: number;
  readonly uptime_ms: number | null;
  readonly last_exit: { readonly code: number | null; readonly signal: string | null } | null;
  readonly killed: boolean;
  readonly reason: string | null;
  readonly stopped_by_operator: boolean;
  readonly cpu_percent: number | null;
  readonly rss_bytes: number | null;
  readonly members: number[];
}

/** `now`: the monotonic clock the spawn times were taken on. */
export function instanceStatus(i: Instance, now: number): InstanceStatus {
  const rt = i.runtime;
  const members = i.members();
  const running = rt.pid !== null && rt.spawnedAt !== null;
  const uptime = running ? Math.max(0, Math.round(now - rt.spawnedAt!)) : null;
  let cpu: number | null = null;
  let rss: number | null = null;
  if (members.length > 0) {
    let cpuMs = 0;
    rss = 0;
    for (const m of members) {
      cpuMs += m.cpuMs;
      rss += m.rssBytes;
    }
    if (uptime !== null) cpu = uptime > 0 ? Math.round((cpuMs / uptime) * 1000) / 10 : 0;
  }
  return {
    name: i.name,
    process: i.process.name,
    state: rt.state,
    pid: rt.pid,
    ready: rt.state === 'ready',
    restarts: rt.restarts,
    uptime_ms: uptime,
    last_exit: rt.lastExit ? { code: rt.lastExit.code, signal: rt.lastExit.signal } : null,
    killed: rt.killed,
    reason: rt.reason,
    stopped_by_operator: rt.state === 'stopped' && rt.stoppedByOperator,
    cpu_percent: cpu,
    rss_bytes: rss,
    members: members.map((m) => m.pid),
  };
}
