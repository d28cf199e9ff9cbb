// Reading one HTTP/1.1 response from a connection that carries only it (we always send
// `Connection: close`): the status line and headers, then a body delimited by Content-Length, by
// chunked encoding, or by the end of the connection.

import { ChunkedDecoder } from './chunked';

export interface ResponseHead {
  readonly status: number;
  /** Header names in lower case; a repeated header keeps its last value. */
  readonly headers: ReadonlyMap<string, string>;
}

/** The bytes are not the HTTP answer they should be (not a cut: that is reported by close()). */
export class MalformedAnswerError extends Error {}

export interface ResponseSink {
  head(head: ResponseHead): void;
  body(data: Buffer): void;
  end(): void;
}

/** Headers over this size are not an answer from muster (its own limit for requests is 16 KiB). */
const MAX_HEAD_BYTES = 64 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

type Framing = { kind: 'length'; remaining: number } | { kind: 'chunked'; decoder: ChunkedDecoder } | { kind: 'close' };

export class ResponseParser {
  private pending: Buffer = Buffer.alloc(0);
  private framing: Framing | null = null;
  private finished = false;

  constructor(private readonly sink: ResponseSink) {}

  /** Feed bytes as they arrive. Throws MalformedAnswerError on a malformed response. */
  push(chunk: Buffer): void {
    try {
      this.read(chunk);
    } catch (error) {
      throw error instanceof MalformedAnswerError ? error : new MalformedAnswerError((error as Error).message);
    }
  }

  private read(chunk: Buffer): void {
    if (this.finished) return;
    if (this.framing === null) {
      this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
      const end = this.pending.indexOf(HEAD_END);
      if (end === -1) {
        if (this.pending.length > MAX_HEAD_BYTES) throw new MalformedAnswerError('malformed answer: headers over 64 KiB');
        return;
      }
      const head = parseHead(this.pending.toString('latin1', 0, end));
      const rest = this.pending.subarray(end + HEAD_END.length);
      this.pending = Buffer.alloc(0);
      this.framing = framingOf(head, (data) => this.sink.body(data));
      this.sink.head(head);
      chunk = rest;
    }
    this.consume(chunk);
  }

  /** The connection ended. Throws if the response was cut short. */
  close(): void {
    if (this.finished) return;
    if (this.framing === null) throw new Error('the connection closed before an answer arrived');
    if (this.framing.kind !== 'close') throw new Error('the connection closed in the middle of the answer');
    this.finish();
  }

  private consume(chunk: Buffer): void {
    const framing = this.framing!;
    switch (framing.kind) {
      case 'close':
        if (chunk.length > 0) this.sink.body(chunk);
        return;
      case 'length': {
        const n = Math.min(framing.remaining, chunk.length);
        if (n > 0) this.sink.body(chunk.subarray(0, n));
        framing.remaining -= n;
        if (framing.remaining === 0) this.finish();
        return;
      }
      case 'chunked':
        framing.decoder.push(chunk);
        if (framing.decoder.done) this.finish();
        return;
    }
  }

  private finish(): void {
    this.finished = true;
    this.sink.end();
  }
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})(?: |$)/.exec(lines[0]!);
  if (status === null) throw new MalformedAnswerError(`malformed answer: status line "${lines[0]!.slice(0, 60)}"`);
  const headers = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new MalformedAnswerError(`malformed answer: header line "${line.slice(0, 60)}"`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(status[1]), headers };
}

function framingOf(head: ResponseHead, onData: (data: Buffer) => void): Framing {
  if (head.status === 204 || head.status === 304 || (head.status >= 100 && head.status < 200)) return { kind: 'length', remaining: 0 };
  const encoding = head.headers.get('transfer-encoding');
  if (encoding !== undefined && /(^|,)\s*chunked\s*$/i.test(encoding)) return { kind: 'chunked', decoder: new ChunkedDecoder(onData) };
  const length = head.headers.get('content-length');
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) throw new MalformedAnswerError(`malformed answer: Content-Length "${length}"`);
    return { kind: 'length', remaining: Number(length) };
  }
  return { kind: 'close' };
}
