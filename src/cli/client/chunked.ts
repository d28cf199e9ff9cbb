// Decoding of HTTP/1.1 `Transfer-Encoding: chunked` bodies, fed in whatever pieces the socket
// hands over (a size line, its CRLF or a chunk's data may be split anywhere).
//
//   chunk   = size-in-hex [; extensions] CRLF data CRLF
//   last    = "0" [; extensions] CRLF, then trailer lines, then an empty line

type Phase = 'size' | 'data' | 'data-end' | 'trailer' | 'done';

/** A size line longer than this is not HTTP (a chunk size never needs more than a few digits). */
const MAX_SIZE_LINE = 1024;

export class ChunkedDecoder {
  private phase: Phase = 'size';
  private line = '';
  private remaining = 0;

  constructor(private readonly onData: (data: Buffer) => void) {}

  get done(): boolean {
    return this.phase === 'done';
  }

  /** Feed bytes from the wire; returns how many were consumed (fewer than given once the body ended). */
  push(input: Buffer): number {
    let i = 0;
    while (i < input.length && this.phase !== 'done') {
      if (this.phase === 'data') {
        const n = Math.min(this.remaining, input.length - i);
        this.onData(input.subarray(i, i + n));
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.phase = 'data-end';
        continue;
      }
      // The other phases read lines: up to LF, dropping the CR before it.
      const lf = input.indexOf(0x0a, i);
      const end = lf === -1 ? input.length : lf;
      this.line += input.toString('latin1', i, end);
      i = lf === -1 ? input.length : lf + 1;
      if (this.line.length > MAX_SIZE_LINE) throw new Error('malformed chunked body: a line over 1 KiB');
      if (lf === -1) break;
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      this.endOfLine(line);
    }
    return i;
  }

  private endOfLine(line: string): void {
    switch (this.phase) {
      case 'size': {
        const hex = line.split(';', 1)[0]!.trim();
        if (!/^[0-9a-fA-F]{1,8}$/.test(hex)) throw new Error(`malformed chunked body: chunk size "${line.slice(0, 40)}"`);
        this.remaining = parseInt(hex, 16);
        this.phase = this.remaining === 0 ? 'trailer' : 'data';
        return;
      }
      case 'data-end':
        if (line !== '') throw new Error('malformed chunked body: no CRLF after a chunk');
        this.phase = 'size';
        return;
      case 'trailer':
        if (line === '') this.phase = 'done'; // trailer fields, if any, are of no use to us
        return;
      default:
        return;
    }
  }
}
