// The edges the core acts through. The core imports only these interfaces; the composition root
// (cli/up-command.ts) builds the real adapters, unit tests pass fakes.

import type { Readable } from 'node:stream';
import type { ExitStatus } from '../core/states';
import type { ProcessSample } from './proc-stats';

export type { ProcessSample };

export interface Clock {
  /** Milliseconds on a monotonic clock: for timeouts, uptimes and restart windows. */
  now(): number;
}

export interface TimerHandle {
  cancel(): void;
}

export interface Timers {
  after(ms: number, fn: () => void): TimerHandle;
}

export interface SpawnRequest {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Listening sockets to pass as fd 3 onwards with LISTEN_FDS, LISTEN_FDNAMES and LISTEN_PID. */
  readonly listen?: { readonly fds: readonly number[]; readonly names: readonly string[] };
}

/** How an exit was reported, when not at once. */
export interface ExitReport {
  /** Between the exit and its report (the wait for the pipes' EOF): the exit time is now minus this. */
  readonly lateByMs: number;
  /** The group was empty and the pipes were still open when the wait gave up: a process that left
   * the group (a daemon that called setsid) holds them. */
  readonly pipesHeld: boolean;
}

export interface SpawnedChild {
  readonly pid: number;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** Called once, after the main process is reaped and its output was read to EOF (or the EOF wait gave up). */
  onExit(listener: (status: ExitStatus, report?: ExitReport) => void): void;
  /** Called once both pipes reached EOF (at once if they already did). */
  onOutputClosed(listener: () => void): void;
}

export type SpawnResult = { readonly ok: true; readonly child: SpawnedChild } | { readonly ok: false; readonly reason: string };

export interface Spawner {
  spawn(request: SpawnRequest): SpawnResult;
}

/** The marks in an instance's environment (MUSTER_SUPERVISOR_PID, MUSTER_PROCESS,
 * MUSTER_INSTANCE), which every process it starts inherits: they tell its processes wherever they
 * went (os/marked-processes.ts). */
export interface InstanceMark {
  readonly supervisorPid: number;
  readonly process: string;
  readonly instance: string;
  /** MUSTER_RUN: which start of the instance (a new run's processes are never an old run's strays). */
  readonly run: string;
}

/** Process groups: every instance is the leader of its own (pgid = its pid). */
export interface ProcessGroups {
  /** Signal one process; false when it no longer exists. */
  signalProcess(pid: number, signal: string): boolean;
  /** Signal every member of the group; false when the group is empty. */
  signalGroup(pgid: number, signal: string): boolean;
  /** Pids of the group's members that are alive (zombies waiting for init do not count). Costs a
   * scan of /proc when the group is not empty. */
  liveMembers(pgid: number): number[];
  /** `pid` and its live descendants with their CPU time and memory (through
   * /proc/PID/task/TID/children: costs what the tree holds, not what the machine runs). Empty when
   * `pid` is gone. */
  processTree(pid: number): ProcessSample[];
  /** CPU time and memory of the given pids (those still alive). */
  samples(pids: readonly number[]): ProcessSample[];
  /** Live processes that carry `mark` but are not in group `pgid`: what an instance started that
   * left its group (job control, setpgid, setsid), even reparented to init. Costs reading the
   * environment of every process on the machine (one scan serves every call in the same turn). */
  strays(pgid: number, mark: InstanceMark): number[];
  /** Call back once the group has no live member, and with `mark` once no stray of it is left
   * either; polls /proc only while some remain. */
  whenEmpty(pgid: number, callback: () => void, mark?: InstanceMark): TimerHandle;
}
