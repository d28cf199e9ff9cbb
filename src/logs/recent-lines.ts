// The last lines of instances' log files, with the time each was written when it is known, merged
// in time order (`muster logs`, GET /v1/logs). Files are read backwards in blocks, so asking for
// 20 lines of a 2 GiB log reads a few KiB; a bound on the bytes read keeps a file of one endless
// line from costing more.

import * as fs from 'node:fs';
import { MUSTER_LINE_PREFIX } from './log-file';

export interface LogLine {
  readonly instance: string;
  readonly stream: 'output' | 'muster';
  /** ms since the epoch, or null when unknown. */
  readonly time: number | null;
  readonly text: string;
}

export interface LogSource {
  readonly instance: string;
  readonly path: string;
  /** Bytes to consider (what muster wrote so far; a line being written is not included). */
  readonly length: number;
  timeOf(endOffset: number): number | null;
}

const BLOCK_BYTES = 64 * 1024;
/** Most bytes read from one file for one request. */
const MAX_READ_BYTES = 8 * 1024 * 1024;
const ISO_LENGTH = '2026-01-01T00:00:00.000Z'.length;

/** The last `maxLines` lines of one file (fewer when the file or the read bound ends first). */
export function tailLines(source: LogSource, maxLines: number): LogLine[] {
  if (maxLines <= 0) return [];
  let fd: number;
  try {
    fd = fs.openSync(source.path, 'r');
  } catch {
    return [];
  }
  try {
    const end = Math.min(source.length, fs.fstatSync(fd).size);
    const blocks: Buffer[] = [];
    let from = end;
    let newlines = 0;
    // One more newline than lines: the one before the first line we keep.
    while (from > 0 && newlines <= maxLines && end - from < MAX_READ_BYTES) {
      const size = Math.min(BLOCK_BYTES, from);
      const block = Buffer.allocUnsafe(size);
      const read = fs.readSync(fd, block, 0, size, from - size);
      from -= size;
      const got = block.subarray(0, read);
      blocks.unshift(got);
      for (let k = got.indexOf(10); k !== -1; k = got.indexOf(10, k + 1)) newlines++;
    }
    return parseLines(source, Buffer.concat(blocks), from, maxLines);
  } finally {
    fs.closeSync(fd);
  }
}

function parseLines(source: LogSource, data: Buffer, baseOffset: number, maxLines: number): LogLine[] {
  const raw: Array<{ text: string; end: number }> = [];
  let start = 0;
  // Unless the read began at the file's start, the first piece may be the end of a longer line.
  if (baseOffset > 0) start = data.indexOf(10) + 1;
  while (start < data.length) {
    let nl = data.indexOf(10, start);
    if (nl === -1) nl = data.length; // the file ended without a newline
    raw.push({ text: data.toString('utf8', start, nl), end: baseOffset + Math.min(nl + 1, data.length) });
    start = nl + 1;
  }
  const lines: LogLine[] = [];
  let lastMusterTime: number | null = null;
  for (const { text, end } of raw) {
    const musterTime = text.startsWith(MUSTER_LINE_PREFIX) ? Date.parse(text.slice(MUSTER_LINE_PREFIX.length, MUSTER_LINE_PREFIX.length + ISO_LENGTH)) : NaN;
    if (!Number.isNaN(musterTime)) {
      lastMusterTime = musterTime;
      lines.push({ instance: source.instance, stream: 'muster', time: musterTime, text: text.slice(MUSTER_LINE_PREFIX.length + ISO_LENGTH + 1) });
    } else {
      // Written while muster ran and remembered: exact; before that, not earlier than muster's line above.
      lines.push({ instance: source.instance, stream: 'output', time: source.timeOf(end) ?? lastMusterTime, text });
    }
  }
  return lines.slice(-maxLines);
}

/** Several instances' last lines merged in time order (lines of unknown time first, each file's
 * own order kept). `since`: only lines written at or after it (lines of unknown time are left out). */
export function recentLines(sources: readonly LogSource[], maxLinesEach: number, since: number | null): LogLine[] {
  const all: LogLine[] = [];
  for (const source of sources) {
    let lines = tailLines(source, maxLinesEach);
    if (since !== null) lines = lines.filter((l) => l.time !== null && l.time >= since);
    all.push(...lines);
  }
  // Array.prototype.sort is stable: equal times keep file order, then instance order.
  return all.sort((a, b) => (a.time ?? -Infinity) - (b.time ?? -Infinity));
}
