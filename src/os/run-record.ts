// The process group of each running instance, kept by the supervisor in its state folder
// (`instances.jsonl`). After a kill -9 of the supervisor the next `muster up` reads it to find what
// the environment no longer tells: redis-server, nginx and anything that sets its process title
// write over /proc/PID/environ, `env -i` clears it, so their MUSTER_* marks are gone; but they are
// still in the group muster made for their instance (os/leftovers.ts).
//
// A journal of JSON lines: a header (which supervisor, boot, app), then one line per spawn and per
// end, appended at once (a spawn is on disk before the next instance is spawned) and O(1) each. It
// is compacted (rewritten to a temporary file and renamed) when it holds many more lines than
// running instances, and by each new supervisor before it spawns anything, so a record outlives
// its supervisor by one `muster up` at most. A kill -9 during an append leaves a partial last
// line, which the reader drops.
//
// Its pids get signalled, so the reader trusts it only when it is a regular file of ours that no
// one else may write, from this boot, of this app (MUSTER_APP under a host, whose app folder a
// deploy moves on; the folder, symlinks resolved, in development).

import * as fs from 'node:fs';
import { startTimeOf } from './proc-stat';
import { replaceFile, writeAll } from './replace-file';

/** One instance's process group: its leader is the instance's main process. */
export interface RecordedGroup {
  readonly pgid: number;
  /** The leader's start time (clock ticks since boot): a pid reused since does not match. */
  readonly startTime: number;
  /** MUSTER_PROCESS and MUSTER_INSTANCE of the instance ("1" for a single one). */
  readonly process: string;
  readonly instance: string;
}

export interface RecordOwner {
  /** The app folder, symlinks resolved. */
  readonly root: string;
  /** MUSTER_APP, or null in development. */
  readonly app: string | null;
}

export interface RunRecord {
  readonly supervisor: { readonly pid: number; readonly startTime: number };
  readonly groups: readonly RecordedGroup[];
  /** Ticks since boot when the last line was written: no process that started later was seen by
   * that supervisor, so none can be one of its instances' (os/leftovers.ts, groups without leader). */
  readonly lastWrite: number;
}

/** /proc's clock ticks per second (USER_HZ): 100 on every architecture Node runs on. */
export const TICKS_PER_SECOND = 100;

/** Now, in the ticks since boot that start times are counted in (rounded up). */
export function ticksSinceBoot(): number {
  const seconds = Number(fs.readFileSync('/proc/uptime', 'latin1').split(' ')[0]);
  return Math.ceil(seconds * TICKS_PER_SECOND);
}

/** This boot's id: a record from another boot names pids that mean nothing any more. */
export function bootId(): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'latin1').trim();
  } catch {
    return '';
  }
}

/** Larger than any real record (compacted, 200 instances take ~15 KB): anything bigger is not ours. */
const MAX_RECORD_BYTES = 4 << 20;

/** A previous supervisor's record, or why it is not used (null: there is none, or it is from an earlier boot). */
export interface RecordRead {
  readonly record: RunRecord | null;
  readonly problem: string | null;
}

const NONE: RecordRead = { record: null, problem: null };

/** The record a previous supervisor of `owner` left, if it can be trusted. */
export function readRunRecord(file: string, owner: RecordOwner): RecordRead {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? NONE : { record: null, problem: code === 'ELOOP' ? 'it is a symbolic link' : `it cannot be read (${code})` };
  }
  try {
    const stat = fs.fstatSync(fd);
    const problem = !stat.isFile() ? 'it is not a regular file'
      : stat.uid !== process.geteuid!() ? `it belongs to uid ${stat.uid}, not to the user muster runs as`
        : (stat.mode & 0o022) !== 0 ? 'others than its owner may write it'
          : stat.size > MAX_RECORD_BYTES ? `it is larger than ${MAX_RECORD_BYTES} bytes` : null;
    return problem !== null ? { record: null, problem } : parseRunRecord(fs.readFileSync(fd, 'utf8'), owner, bootId());
  } catch (error) {
    return { record: null, problem: `it cannot be read (${(error as Error).message})` };
  } finally {
    fs.closeSync(fd);
  }
}

interface Header {
  readonly boot: string;
  readonly root: string;
  readonly app: string | null;
  readonly supervisor: { readonly pid: number; readonly startTime: number };
  readonly at: number;
}

type Line = { readonly spawned: RecordedGroup; readonly at: number } | { readonly ended: { readonly process: string; readonly instance: string }; readonly at: number };

const positiveInteger = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
const shortText = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 80;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function asHeader(v: unknown): Header | null {
  if (!isObject(v) || !isObject(v.supervisor)) return null;
  const { boot, root, app, supervisor, at } = v;
  if (typeof boot !== 'string' || typeof root !== 'string' || !(app === null || typeof app === 'string')) return null;
  if (!positiveInteger(supervisor.pid) || !positiveInteger(supervisor.startTime) || !positiveInteger(at)) return null;
  return { boot, root, app, supervisor: { pid: supervisor.pid, startTime: supervisor.startTime }, at };
}

function asLine(v: unknown): Line | null {
  if (!isObject(v) || !positiveInteger(v.at)) return null;
  if (isObject(v.spawned)) {
    const { pgid, startTime, process, instance } = v.spawned;
    if (!positiveInteger(pgid) || !positiveInteger(startTime) || !shortText(process) || !shortText(instance)) return null;
    return { spawned: { pgid, startTime, process, instance }, at: v.at };
  }
  if (isObject(v.ended)) {
    const { process, instance } = v.ended;
    if (!shortText(process) || !shortText(instance)) return null;
    return { ended: { process, instance }, at: v.at };
  }
  return null;
}

function parseLine<T>(text: string, as: (v: unknown) => T | null): T | null {
  try {
    return as(JSON.parse(text));
  } catch {
    return null;
  }
}

/**
 * The record in `text`, or why it is not used. A malformed last line is an append cut short and
 * is dropped; any other malformed line discards the whole record. One from an earlier boot is
 * simply not used (its pids mean nothing now).
 */
export function parseRunRecord(text: string, owner: RecordOwner, boot: string): RecordRead {
  const lines = text.split('\n');
  const complete = text.endsWith('\n');
  if (complete) lines.pop();
  const header = parseLine(lines[0] ?? '', asHeader);
  if (header === null) return { record: null, problem: 'its first line is not a header of a muster run record' };
  if (header.boot === '' || header.boot !== boot) return NONE;
  if (header.app !== owner.app) return { record: null, problem: `it is of ${header.app === null ? 'a development run' : `app ${header.app}`}` };
  if (owner.app === null && header.root !== owner.root) return { record: null, problem: `it is of the app folder ${header.root} (a copy of that folder?)` };
  const groups = new Map<string, RecordedGroup>();
  let lastWrite = header.at;
  for (let i = 1; i < lines.length; i++) {
    const line = parseLine(lines[i]!, asLine);
    if (line === null) {
      if (i === lines.length - 1 && !complete) break;
      return { record: null, problem: `line ${i + 1} is not a record line` };
    }
    lastWrite = Math.max(lastWrite, line.at);
    if ('spawned' in line) groups.set(`${line.spawned.process}.${line.spawned.instance}`, line.spawned);
    else groups.delete(`${line.ended.process}.${line.ended.instance}`);
  }
  return { record: { supervisor: header.supervisor, groups: [...groups.values()], lastWrite }, problem: null };
}

/** Compact once the journal holds this many lines more than twice the running instances. */
const SLACK_LINES = 200;

/** Keeps the record of this supervisor: `begin()` once nothing of a previous one is left, then every spawn and end. */
export class RunRecordWriter {
  private readonly groups = new Map<string, RecordedGroup>();
  private readonly header: Omit<Header, 'at'>;
  private fd: number | null = null;
  private lines = 0;
  private failed = false;
  /** Until begin(), the file is the previous supervisor's record, still to be read. */
  private begun = false;

  constructor(private readonly file: string, owner: RecordOwner, private readonly report: (text: string) => void) {
    this.header = { boot: bootId(), root: owner.root, app: owner.app, supervisor: { pid: process.pid, startTime: startTimeOf('self') ?? 1 } };
  }

  /** Replace whatever record is there with ours (no group yet). */
  begin(): void {
    this.begun = true;
    this.rewrite();
  }

  /** An instance was spawned as `pid`, the leader of its own process group. */
  spawned(process: string, instance: string, pid: number): void {
    const startTime = startTimeOf(pid);
    if (startTime === null) return; // already gone: nothing of it to find later
    const group = { pgid: pid, startTime, process, instance };
    this.groups.set(`${process}.${instance}`, group);
    this.append({ spawned: group, at: ticksSinceBoot() });
  }

  /** Nothing of the instance runs any more (its next spawn comes in a later step of the core). */
  ended(process: string, instance: string): void {
    if (this.groups.delete(`${process}.${instance}`)) this.append({ ended: { process, instance }, at: ticksSinceBoot() });
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  private append(line: Line): void {
    if (!this.begun) return;
    if (this.fd === null || this.lines > 2 * this.groups.size + SLACK_LINES) return this.rewrite();
    this.attempt(() => {
      writeAll(this.fd!, `${JSON.stringify(line)}\n`);
      this.lines++;
    });
  }

  /** The header and one line per running instance, into a fresh file renamed over the old one. */
  private rewrite(): void {
    const at = ticksSinceBoot();
    const text = [JSON.stringify({ ...this.header, at }), ...[...this.groups.values()].map((spawned) => JSON.stringify({ spawned, at }))].join('\n') + '\n';
    this.attempt(() => {
      this.close();
      this.fd = replaceFile(this.file, text, 0o600); // no O_APPEND needed: this fd alone writes, always at its end
      this.lines = this.groups.size + 1;
    });
  }

  private attempt(write: () => void): void {
    try {
      write();
      this.failed = false;
    } catch (error) {
      // The next line goes into a fresh file (rewrite): a line cut short stays the last one.
      this.close();
      // Said once per run of failures: a full disk must not flood muster's log.
      if (!this.failed) this.report(`could not write ${this.file} (${(error as Error).message}); after a kill -9 of muster, processes that overwrite their environment may not be found`);
      this.failed = true;
    }
  }
}

