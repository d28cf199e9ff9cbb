// A file replaced whole: written to `FILE.tmp`, then renamed over FILE, so a reader sees the old
// content or the new, never half of it.

import * as fs from 'node:fs';

/**
 * Replaces `file` with `text`; returns the new file's fd, still open (the caller closes it). One
 * temporary name, so one left by a process killed right here is replaced, not kept forever; 'wx'
 * never follows a link planted there. A folder at that name is left alone (the error says so).
 */
export function replaceFile(file: string, text: string, mode: number): number {
  const temporary = `${file}.tmp`;
  fs.rmSync(temporary, { force: true });
  const fd = fs.openSync(temporary, 'wx', mode);
  try {
    writeAll(fd, text);
    fs.renameSync(temporary, file);
    return fd;
  } catch (error) {
    fs.closeSync(fd);
    fs.rmSync(temporary, { force: true });
    throw error;
  }
}

/** All of `text`: a write to a nearly full disk may take part of it and say so only by its count. */
export function writeAll(fd: number, text: string): void {
  const bytes = Buffer.from(text);
  for (let done = 0; done < bytes.length; ) done += fs.writeSync(fd, bytes, done);
}
