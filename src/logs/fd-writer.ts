// A Writable over a file descriptor (muster's stdout), written with fs.write so a slow terminal or
// pipe never blocks the main thread. Unlike fs.createWriteStream it survives EAGAIN: when the
// descriptor is in O_NONBLOCK mode (Node sets that on a pipe as soon as anything touches
// process.stdout, and the flag belongs to the open file description, so another program sharing it
// may have set it too), a full pipe answers EAGAIN. That is backpressure, not an error: the
// WriteStream turned it into 'error' and the console fell silent for good.

import * as fs from 'node:fs';
import { Writable } from 'node:stream';

export type WriteFn = (fd: number, buffer: Buffer, offset: number, length: number, done: (error: NodeJS.ErrnoException | null, written: number) => void) => void;
export type Delay = (ms: number, fn: () => void) => void;

/** Retries after EAGAIN start here and double up to the max (no event says a pipe is writable again). */
const RETRY_FIRST_MS = 5;
const RETRY_MAX_MS = 100;

const realWrite: WriteFn = (fd, buffer, offset, length, done) => fs.write(fd, buffer, offset, length, null, done);
const realDelay: Delay = (ms, fn) => void setTimeout(fn, ms);

export function fdWriter(fd: number, write: WriteFn = realWrite, delay: Delay = realDelay): Writable {
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const step = (offset: number, retryMs: number) =>
        write(fd, chunk, offset, chunk.length - offset, (error, written) => {
          if (error?.code === 'EAGAIN') return delay(retryMs, () => step(offset, Math.min(RETRY_MAX_MS, retryMs * 2)));
          if (error) return callback(error);
          if (offset + written < chunk.length) return step(offset + written, RETRY_FIRST_MS); // a partial write
          callback();
        });
      step(0, RETRY_FIRST_MS);
    },
  });
}
