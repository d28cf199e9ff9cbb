// Splits a byte stream into lines without ever holding more than MAX_LINE_BYTES of one line.
// A longer line is cut into pieces of MAX_LINE_BYTES; every piece but the last is flagged `cut`.

/** The documented cap on one line as muster shows it (the log file keeps the bytes unchanged). */
export const MAX_LINE_BYTES = 64 * 1024;

export type LineSink = (line: Buffer, cut: boolean) => void;

export class LineSplitter {
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(
    private readonly sink: LineSink,
    private readonly cap: number = MAX_LINE_BYTES,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(10, start);
      if (nl === -1) break;
      if (this.heldBytes > 0) {
        this.held.push(chunk.subarray(start, nl));
        const line = Buffer.concat(this.held);
        this.held = [];
        this.heldBytes = 0;
        this.emitCapped(line);
      } else if (nl - start > this.cap) {
        this.emitCapped(chunk.subarray(start, nl));
      } else {
        this.sink(chunk.subarray(start, nl), false);
      }
      start = nl + 1;
    }
    if (start < chunk.length) this.hold(chunk.subarray(start));
  }

  /** End of stream: a last line without a newline is still a line. */
  end(): void {
    if (this.heldBytes === 0) return;
    const line = Buffer.concat(this.held);
    this.held = [];
    this.heldBytes = 0;
    this.sink(line, false);
  }

  private hold(rest: Buffer): void {
    // Copy: the rest must not keep the whole read buffer alive.
    this.held.push(Buffer.from(rest));
    this.heldBytes += rest.length;
    if (this.heldBytes < this.cap) return;
    let all = Buffer.concat(this.held);
    while (all.length >= this.cap) {
      this.sink(all.subarray(0, this.cap), true);
      all = all.subarray(this.cap);
    }
    this.held = all.length > 0 ? [Buffer.from(all)] : [];
    this.heldBytes = all.length;
  }

  private emitCapped(line: Buffer): void {
    let rest = line;
    while (rest.length > this.cap) {
      this.sink(rest.subarray(0, this.cap), true);
      rest = rest.subarray(this.cap);
    }
    this.sink(rest, false);
  }
}
