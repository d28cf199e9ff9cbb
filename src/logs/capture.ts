// Reads one instance's stdout and stderr: into its log file (whole lines, bytes unchanged), onto
// the console (line by line, prefixed), and to whoever listens for lines (a `log` readiness probe).
// Log writes are synchronous, so nothing queues up in memory: a child that writes faster than the
// disk takes simply waits on its own writes.

import type { Readable } from 'node:stream';
import type { ConsoleOutput, Origin } from './console';
import { LineSplitter } from './line-splitter';
import { InstanceLogFile, StreamAssembler } from './log-file';

/** A whole line an instance wrote (without its newline), on which stream, and when it arrived
 * (the same time the log file's index keeps for it, so `muster logs` and the event stream agree). */
export type LineListener = (line: string, origin: Origin, time: number) => void;

const TAIL_BYTES = 4096;

export class OutputCapture {
  private readonly listeners = new Set<LineListener>();
  private tail: Buffer = Buffer.alloc(0);
  private openStreams = 0;
  private endWaiters: Array<() => void> = [];

  constructor(
    readonly name: string,
    readonly file: InstanceLogFile,
    private readonly console: ConsoleOutput | null,
  ) {}

  onLine(listener: LineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last lines the instance wrote (for "why did it die" messages). */
  lastLines(count: number): string[] {
    const lines = this.tail.toString('utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-count);
  }

  attach(stdout: Readable, stderr: Readable): void {
    this.attachStream(stdout, 'out');
    this.attachStream(stderr, 'err');
  }

  /** Resolves once every stream attached so far has been read to its end (EOF or error). */
  whenEnded(): Promise<void> {
    if (this.openStreams === 0) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  private attachStream(stream: Readable, origin: Origin): void {
    this.openStreams++;
    let open = true;
    const closed = () => {
      if (!open) return;
      open = false;
      if (--this.openStreams > 0) return;
      const waiters = this.endWaiters;
      this.endWaiters = [];
      for (const w of waiters) w();
    };
    const assembler = new StreamAssembler();
    let prefix: Buffer | null = null;
    let arrived = 0;
    const splitter = new LineSplitter((line, cut) => {
      if (this.console && prefix) this.console.line(prefix, line, cut);
      if (this.listeners.size > 0) {
        const text = line.toString('utf8');
        for (const l of this.listeners) l(text, origin, arrived);
      }
    });
    stream.on('data', (chunk: Buffer) => {
      arrived = Date.now();
      this.file.write(assembler.take(chunk), arrived);
      this.remember(chunk);
      if (this.console || this.listeners.size > 0) {
        prefix = this.console ? this.console.prefix(this.name, origin) : null;
        splitter.push(chunk);
        this.console?.flush();
      }
    });
    stream.on('end', () => {
      arrived = Date.now();
      this.file.write(assembler.finish(), arrived);
      prefix = this.console ? this.console.prefix(this.name, origin) : null;
      splitter.end();
      this.console?.flush();
      closed();
    });
    stream.on('close', closed);
    stream.on('error', () => undefined); // EIO after a kill: the 'end'/'close' path still runs
  }

  private remember(chunk: Buffer): void {
    if (chunk.length >= TAIL_BYTES) this.tail = Buffer.from(chunk.subarray(chunk.length - TAIL_BYTES));
    else {
      const joined = Buffer.concat([this.tail, chunk]);
      this.tail = joined.length > TAIL_BYTES ? joined.subarray(joined.length - TAIL_BYTES) : joined;
    }
  }

}
