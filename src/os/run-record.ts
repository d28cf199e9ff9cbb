// The process group of each running instance, kept by the supervisor in its state folder
// (`instances.json`) whenever an instance is spawned or ends. After a kill -9 of the supervisor the
// next `muster up` reads it to find what the environment no longer tells: redis-server, nginx and
// anything that sets its process title write over /proc/PID/environ, `env -i` clears it, so their
// MUSTER_* marks are gone; but they are still in the group muster made for their instance
// (os/leftovers.ts). Written whole to a temporary file and renamed: a reader never sees half of it.

import * as fs from 'node:fs';
import { liveStatFields } from './proc-stat';

/** One instance's process group: its leader is the instance's main process. */
export interface RecordedGroup {
  readonly pgid: number;
  /** The leader's start time (clock ticks since boot): a pid reused since does not match. */
  readonly startTime: number;
  /** "web", "worker.2". */
  readonly instance: string;
}

export interface RunRecord {
  readonly supervisor: { readonly pid: number; readonly startTime: number };
  readonly groups: readonly RecordedGroup[];
}

/** Start time of a live process, or null when it is gone or a zombie. */
export function startTimeOf(pid: number | string): number | null {
  const fields = liveStatFields(pid);
  return fields === null ? null : Number(fields[19]);
}

/** Larger than any real record (200 instances take ~15 KB): anything bigger is not ours. */
const MAX_RECORD_BYTES = 1 << 20;

/**
 * The record a previous supervisor left, or null when there is none or it cannot be trusted. Its
 * pids are signalled, so a file someone else could have written is ignored: it must be a regular
 * file of ours (our effective uid), writable by nobody else.
 */
export function readRunRecord(file: string): RunRecord | null {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || stat.uid !== process.geteuid!() || (stat.mode & 0o022) !== 0 || stat.size > MAX_RECORD_BYTES) return null;
    return parseRunRecord(fs.readFileSync(fd, 'utf8'));
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

const positiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** The record, or null when the text is not one (any malformed part discards it all). */
export function parseRunRecord(text: string): RunRecord | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof data !== 'object' || data === null) return null;
  const { supervisor, groups } = data as { supervisor?: { pid?: unknown; startTime?: unknown }; groups?: unknown };
  if (!supervisor || !positiveInteger(supervisor.pid) || !positiveInteger(supervisor.startTime) || !Array.isArray(groups)) return null;
  const valid = groups.every((g: Partial<Record<keyof RecordedGroup, unknown>>) =>
    typeof g === 'object' && g !== null && positiveInteger(g.pgid) && positiveInteger(g.startTime) && typeof g.instance === 'string' && g.instance.length <= 80);
  return valid ? { supervisor: { pid: supervisor.pid, startTime: supervisor.startTime }, groups: groups as RecordedGroup[] } : null;
}

/** Keeps the record of this supervisor up to date: at most one write per turn of the event loop. */
export class RunRecordWriter {
  private readonly groups = new Map<string, RecordedGroup>();
  private readonly supervisor: RunRecord['supervisor'];
  private due = false;
  private failed = false;

  constructor(private readonly file: string, private readonly report: (text: string) => void) {
    this.supervisor = { pid: process.pid, startTime: startTimeOf('self') ?? 1 };
  }

  /** `instance` was spawned as `pid` (the leader of its own process group). */
  spawned(instance: string, pid: number): void {
    if (this.groups.get(instance)?.pgid === pid) return;
    const startTime = startTimeOf(pid);
    // Already gone (and not yet reaped, or reaped): nothing of it to find later.
    if (startTime === null) this.groups.delete(instance);
    else this.groups.set(instance, { pgid: pid, startTime, instance });
    this.schedule();
  }

  /** Nothing of `instance` runs any more. */
  ended(instance: string): void {
    if (this.groups.delete(instance)) this.schedule();
  }

  /** Write now what is pending (at exit). */
  flush(): void {
    if (!this.due) return;
    this.due = false;
    const record: RunRecord = { supervisor: this.supervisor, groups: [...this.groups.values()] };
    const temporary = `${this.file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temporary, `${JSON.stringify(record)}\n`, { mode: 0o600 });
      fs.renameSync(temporary, this.file);
      this.failed = false;
    } catch (error) {
      fs.rmSync(temporary, { force: true });
      // Said once per run of failures: a full disk must not flood muster's log.
      if (!this.failed) this.report(`could not write ${this.file} (${(error as Error).message}); after a kill -9 of muster, processes that overwrite their environment may not be found`);
      this.failed = true;
    }
  }

  private schedule(): void {
    if (this.due) return;
    this.due = true;
    setImmediate(() => this.flush());
  }
}
