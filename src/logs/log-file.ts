// One append-only file per instance under .muster/logs/. It keeps the bytes the instance wrote,
// unchanged, in whole lines: each stream's unfinished last line is held back (up to the line cap)
// so stdout and stderr never cut each other's lines in half. Muster's own lines about the
// instance start with "[muster]".

import * as fs from 'node:fs';
import { MAX_LINE_BYTES } from './line-splitter';

export class StreamAssembler {
  private held: Buffer | null = null;

  /** Returns the bytes that end on a line boundary (or overflow the cap), holding the rest. */
  take(chunk: Buffer): Buffer | null {
    const lastNl = chunk.lastIndexOf(10);
    if (lastNl === -1) {
      this.held = this.held ? Buffer.concat([this.held, chunk]) : Buffer.from(chunk);
      if (this.held.length < MAX_LINE_BYTES) return null;
      const out = this.held; // an over-long line goes out as it is; it continues in the next write
      this.held = null;
      return out;
    }
    const complete = chunk.subarray(0, lastNl + 1);
    const out = this.held ? Buffer.concat([this.held, complete]) : complete;
    this.held = lastNl + 1 < chunk.length ? Buffer.from(chunk.subarray(lastNl + 1)) : null;
    return out;
  }

  /** End of stream: what is left, with the newline it lacked. */
  finish(): Buffer | null {
    const rest = this.held;
    this.held = null;
    return rest ? Buffer.concat([rest, NL]) : null;
  }
}

const NL = Buffer.from('\n');

export class InstanceLogFile {
  private readonly stream: fs.WriteStream;
  private failed = false;

  constructor(readonly path: string) {
    this.stream = fs.createWriteStream(path, { flags: 'a' });
    // A full disk must not crash muster: stop writing this file and say so once.
    this.stream.on('error', (error) => {
      if (!this.failed) process.stderr.write(`muster: cannot write ${path}: ${error.message}\n`);
      this.failed = true;
    });
  }

  /** Returns false when the caller should pause its producer until `onDrain`. */
  write(data: Buffer): boolean {
    if (this.failed) return true;
    return this.stream.write(data);
  }

  note(text: string): void {
    this.write(Buffer.from(`[muster] ${new Date().toISOString()} ${text}\n`));
  }

  onDrain(fn: () => void): void {
    this.stream.once('drain', fn);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(() => resolve()));
  }
}
