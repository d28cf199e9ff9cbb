// What `muster up` shows on its standard output: every line prefixed with the time and the
// instance name (padded, coloured on a terminal unless NO_COLOR is set). The marker after the name
// says where the line came from:  `|` stdout, `!` stderr, `=` muster itself.
//
// Writing never blocks supervision: output goes through an fs stream (written off the main thread)
// and, while the terminal or pipe cannot keep up, lines are dropped from the screen (never from the
// log files) and a count of what was skipped is shown once it catches up.

import type { Writable } from 'node:stream';
import { fdWriter } from './fd-writer';
import { clockTime, NAME_COLORS as COLORS, ORIGIN_MARK, wantsColor } from './line-style';

const BACKLOG_LIMIT = 4 * 1024 * 1024;

export type Origin = keyof typeof ORIGIN_MARK;
const MARK = ORIGIN_MARK;

export interface ConsoleOptions {
  readonly color: boolean;
  readonly nameWidth: number;
  /** Defaults to a stream on fd 1. */
  readonly out?: Writable;
}

export { wantsColor };

export class ConsoleOutput {
  private readonly out: Writable;
  private readonly colorOf = new Map<string, string>();
  private pending: Buffer[] = [];
  private dropped = 0;
  private broken = false;

  constructor(private readonly options: ConsoleOptions) {
    this.out = options.out ?? fdWriter(1);
    this.out.on('error', () => (this.broken = true)); // a closed terminal (EPIPE) must not take muster down
    this.out.on('drain', () => this.reportDropped());
  }

  /** Register names in display order so colours are stable. */
  addName(name: string): void {
    if (!this.colorOf.has(name)) this.colorOf.set(name, COLORS[this.colorOf.size % COLORS.length]!);
  }

  prefix(name: string, origin: Origin, now = Date.now()): Buffer {
    const padded = name.padEnd(this.options.nameWidth);
    if (!this.options.color) return Buffer.from(`${clockTime(now)} ${padded} ${MARK[origin]} `);
    const c = this.colorOf.get(name) ?? '0';
    const mark = origin === 'err' ? `\x1b[31m${MARK[origin]}\x1b[0m` : MARK[origin];
    return Buffer.from(`\x1b[2m${clockTime(now)}\x1b[0m \x1b[${c}m${padded}\x1b[0m ${mark} `);
  }

  /** Queue one line (without its newline); `flush` writes what was queued in one go. */
  line(prefix: Buffer, text: Buffer, cut: boolean): void {
    if (this.broken) return;
    if (this.out.writableLength > BACKLOG_LIMIT) {
      this.dropped++;
      return;
    }
    this.pending.push(prefix, text, cut ? CUT_NL : NL);
  }

  flush(): void {
    if (this.pending.length === 0) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    if (!this.broken) this.out.write(data);
  }

  say(name: string, origin: Origin, text: string): void {
    this.line(this.prefix(name, origin), Buffer.from(text), false);
    this.flush();
  }

  /** Resolves once everything queued has been handed to the OS. */
  drain(): Promise<void> {
    this.flush();
    if (this.broken || this.out.writableLength === 0) return Promise.resolve();
    // 'drain' only follows a write that returned false; an empty write's callback follows every
    // write queued before it.
    return new Promise((resolve) => this.out.write(Buffer.alloc(0), () => resolve()));
  }

  private reportDropped(): void {
    if (this.dropped === 0) return;
    const n = this.dropped;
    this.dropped = 0;
    this.say('muster', 'muster', `${n} lines were not shown here because the terminal could not keep up; they are in .muster/logs/`);
  }
}

const NL = Buffer.from('\n');
/** A line longer than the cap is shown in pieces; this marks a piece that continues on the next line. */
const CUT_NL = Buffer.from(' \u21a9\n');
