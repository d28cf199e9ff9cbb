// One append-only file per instance under .muster/logs/. It keeps the bytes the instance wrote,
// unchanged, in whole lines: each stream's unfinished last line is held back (up to the line cap)
// so stdout and stderr never cut each other's lines in half. Muster's own lines about the
// instance start with "[muster]".
//
// Writes are synchronous appends from the 'data' handler, as supervisord does: a write of at most
// one pipe read (64 KiB) into the page cache takes microseconds, while handing each chunk to the
// threadpool (fs.WriteStream) made every read wait for a round trip and the writer block on a full
// pipe: measured 2-3x slower and twice the CPU for a 200 MiB flood (bench/README.md).

import * as fs from 'node:fs';
import { MAX_LINE_BYTES } from './line-splitter';
import { WriteTimeIndex } from './time-index';

/** Log files are readable by the app's group, not by everyone (they hold what the app prints). */
const LOG_FILE_MODE = 0o640;

export class StreamAssembler {
  private held: Buffer | null = null;

  /** The bytes to write now (ending on a line boundary, or a line over the cap), holding the rest.
   * Returned as pieces to be written in order, so nothing is copied twice. */
  take(chunk: Buffer): Buffer[] {
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl === -1) {
      this.held = this.held ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
      if (this.held.length < MAX_LINE_BYTES) return [];
      const out = this.held; // an over-long line goes out as it is; it continues in the next write
      this.held = null;
      return [out];
    }
    const complete = lastNl + 1 === chunk.length ? chunk : chunk.subarray(0, lastNl + 1);
    const out = this.held ? [this.held, complete] : [complete];
    this.held = lastNl + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNl + 1)) : null;
    return out;
  }

  /** End of stream: what is left, with the newline it lacked. */
  finish(): Buffer[] {
    const rest = this.held;
    this.held = null;
    return rest ? [rest, NL] : [];
  }
}

const NL = Buffer.from('\n');

/** Muster's own lines in a log file start with this, then an ISO time. */
export const MUSTER_LINE_PREFIX = '[muster] ';

export class InstanceLogFile {
  private fd: number | null = null;
  /** Bytes in the file: what was there when muster opened it, plus what it appended since. */
  private size = 0;
  private index: WriteTimeIndex;

  constructor(readonly path: string) {
    try {
      this.fd = fs.openSync(path, 'a', LOG_FILE_MODE);
      this.size = fs.fstatSync(this.fd).size;
    } catch (error) {
      this.fail(error);
    }
    this.index = new WriteTimeIndex(this.size);
  }

  /** The file's length as muster wrote it. */
  get length(): number {
    return this.size;
  }

  /** When the line ending at `endOffset` was written, if muster wrote it and still remembers. */
  timeOf(endOffset: number): number | null {
    return this.index.timeOf(endOffset);
  }

  /** `time`: when the bytes arrived (ms since the epoch), remembered for `muster logs`. */
  write(pieces: readonly Buffer[], time = Date.now()): void {
    if (this.fd === null || pieces.length === 0) return;
    try {
      for (const piece of pieces) {
        let offset = 0;
        while (offset < piece.length) offset += fs.writeSync(this.fd, piece, offset, piece.length - offset);
        this.size += piece.length;
      }
      this.index.record(this.size, time);
    } catch (error) {
      this.fail(error); // a full disk must not crash muster: stop writing this file and say so once
    }
  }

  note(text: string, time = Date.now()): void {
    this.write([Buffer.from(`${MUSTER_LINE_PREFIX}${new Date(time).toISOString()} ${text}\n`)], time);
  }

  close(): void {
    if (this.fd === null) return;
    try {
      fs.closeSync(this.fd);
    } catch {
      /* already unusable */
    }
    this.fd = null;
  }

  private fail(error: unknown): void {
    process.stderr.write(`muster: cannot write ${this.path}: ${(error as Error).message}; this instance's output is no longer logged\n`);
    this.close();
  }
}
