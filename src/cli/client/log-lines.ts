// Output lines as `muster up` shows them (src/logs/console.ts): `17:02:27.384 web      | text`,
// names padded to the longest (at least 6), then `|` for output, `!` for stderr, `=` for muster's
// own lines; on a terminal the time is dim and each name has the colour `up` gives it ("muster"
// first, then the instances in config order), unless NO_COLOR is set.

import { clockTime, NAME_COLORS as COLORS, ORIGIN_MARK } from '../../logs/line-style';
import type { LogLine } from './api-types';

/** `stream` values: "output" (GET /v1/logs: stdout and stderr, which the log file does not tell
 * apart), "out", "err" (events) and "muster". */
const MARK: Readonly<Record<string, string>> = { output: ORIGIN_MARK.out, ...ORIGIN_MARK };

/** Twelve blanks: a line from before muster's first time stamp in the file has no time. */
const NO_TIME = ' '.repeat(12);


export class LogLineFormatter {
  private readonly colorOf = new Map<string, string>();
  private readonly width: number;

  /** `names`: every instance in config order, for the padding and the colours. */
  constructor(names: readonly string[], private readonly color: boolean) {
    this.width = Math.max(6, ...names.map((n) => n.length));
    this.colorFor('muster');
    for (const n of names) this.colorFor(n);
  }

  format(line: LogLine): string {
    const time = line.time === null ? NO_TIME : clockTime(line.time);
    const name = line.instance.padEnd(this.width);
    const mark = MARK[line.stream] ?? '|';
    if (!this.color) return `${time} ${name} ${mark} ${line.text}\n`;
    const shownMark = mark === '!' ? `\x1b[31m${mark}\x1b[0m` : mark;
    return `\x1b[2m${time}\x1b[0m \x1b[${this.colorFor(line.instance)}m${name}\x1b[0m ${shownMark} ${line.text}\n`;
  }

  /** A line from the client itself ("the supervisor went away"), marked as muster's. */
  note(text: string, now = Date.now()): string {
    return this.format({ instance: 'muster', stream: 'muster', time: now, text });
  }

  private colorFor(name: string): string {
    let c = this.colorOf.get(name);
    if (c === undefined) {
      c = COLORS[this.colorOf.size % COLORS.length]!;
      this.colorOf.set(name, c);
    }
    return c;
  }
}
