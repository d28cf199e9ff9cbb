// A server-sent events reader (text/event-stream), fed the body in whatever pieces arrive: an event,
// a line, even a UTF-8 character may be split between two pieces.
//
// Lines end with LF or CRLF (a lone CR, which the format also allows, is not used by muster and is
// kept as text). Lines are cut at the LF byte before decoding: no byte of a multi-byte UTF-8
// character is 0x0A, so a character is never cut in two.

export interface ServerEvent {
  /** `event:` field; "message" when the event has none. */
  readonly type: string;
  /** The `data:` lines joined with "\n". */
  readonly data: string;
}

/** An event larger than this means a broken stream; muster's own events are one short line. */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

export class SseParser {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private type = '';
  private data: string[] = [];

  constructor(private readonly onEvent: (event: ServerEvent) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const lf = chunk.indexOf(0x0a, start);
      if (lf === -1) break;
      let line = chunk.subarray(start, lf);
      if (this.pending.length > 0) {
        line = Buffer.concat([...this.pending, line]);
        this.pending = [];
        this.pendingBytes = 0;
      }
      this.line(line.toString('utf8', 0, line.length > 0 && line[line.length - 1] === 0x0d ? line.length - 1 : line.length));
      start = lf + 1;
    }
    if (start < chunk.length) {
      this.pending.push(chunk.subarray(start));
      this.pendingBytes += chunk.length - start;
      if (this.pendingBytes > MAX_PENDING_BYTES) throw new Error('malformed event stream: a line over 16 MiB');
    }
  }

  private line(line: string): void {
    if (line === '') {
      this.dispatch();
      return;
    }
    if (line.startsWith(':')) return; // a comment: ": keep-alive"
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.type = value;
    else if (field === 'data') this.data.push(value);
    // id and retry are of no use to a client that does not reconnect.
  }

  private dispatch(): void {
    const type = this.type === '' ? 'message' : this.type;
    const data = this.data;
    this.type = '';
    this.data = [];
    if (data.length === 0) return; // the format says: an event without data is not dispatched
    this.onEvent({ type, data: data.join('\n') });
  }
}
