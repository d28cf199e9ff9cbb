// The log and health edges of every instance, as the supervisor sees them (InstanceIO): its log
// file, its console lines, its readiness probe, and the live feed of the control socket. Output
// lines are split and handed to the feed only while someone follows them (`muster logs -f`).

import * as path from 'node:path';
import { expandVariables } from '../config/expand';
import type { ProcessConfig, ReadyProbe } from '../config/model';
import type { InstanceIO } from '../core/instance';
import { LiveFeed } from '../control/feed';
import { startProbe } from '../health/probes';
import { OutputCapture, type LineListener } from '../logs/capture';
import type { ConsoleOutput } from '../logs/console';
import { InstanceLogFile } from '../logs/log-file';
import type { LogSource } from '../logs/recent-lines';

export class AppIO {
  readonly feed: LiveFeed;
  private readonly captures = new Map<OutputCapture, () => void>();
  private readonly files = new Map<string, InstanceLogFile>();

  constructor(
    private readonly logDir: string,
    private readonly consoleOut: ConsoleOutput,
    /** Show the processes' output on the console (muster's own lines are always shown). */
    private readonly showOutput: boolean,
  ) {
    this.feed = new LiveFeed((following) => this.follow(following));
  }

  create = (name: string, _p: ProcessConfig): InstanceIO => {
    const file = new InstanceLogFile(path.join(this.logDir, `${name}.log`));
    this.files.set(name, file);
    this.consoleOut.addName(name);
    const capture = new OutputCapture(name, file, this.showOutput ? this.consoleOut : null);
    this.captures.set(capture, this.feed.following ? capture.onLine(this.forward(name)) : () => undefined);
    return {
      note: (text) => {
        const time = Date.now();
        this.consoleOut.say(name, 'muster', text);
        file.note(text, time);
        this.feed.line({ instance: name, stream: 'muster', time, text });
      },
      attachOutput: (stdout, stderr) => capture.attach(stdout, stderr),
      lastLines: (n) => capture.lastLines(n),
      startProbe: (p, env, report) => {
        if (!p.ready) throw new Error(`${name} has no probe`);
        return startProbe(expandProbe(p.ready, env), { cwd: p.cwd, env, onLine: (l) => capture.onLine(l) }, (r) => report(r.passed, r.passed ? '' : r.reason));
      },
      close: () => {
        this.captures.get(capture)?.();
        this.captures.delete(capture);
        if (this.files.get(name) === file) this.files.delete(name);
        file.close();
      },
    };
  };

  logSource(name: string): LogSource {
    const file = this.files.get(name);
    const logPath = path.join(this.logDir, `${name}.log`);
    if (!file) return { instance: name, path: logPath, length: Number.MAX_SAFE_INTEGER, timeOf: () => null };
    return { instance: name, path: file.path, length: file.length, timeOf: (end) => file.timeOf(end) };
  }

  /** Resolves once every instance's output was read to its end. */
  whenOutputEnded(): Promise<unknown> {
    return Promise.all([...this.captures.keys()].map((c) => c.whenEnded()));
  }

  closeAll(): void {
    for (const file of this.files.values()) file.close();
  }

  private forward(name: string): LineListener {
    return (text, origin, time) => this.feed.line({ instance: name, stream: origin, time, text });
  }

  private follow(following: boolean): void {
    for (const [capture, off] of this.captures) {
      off();
      this.captures.set(capture, following ? capture.onLine(this.forward(capture.name)) : () => undefined);
    }
  }
}

/** ${VAR} in a connect or http probe follows the instance's own environment (its PORT, say). */
function expandProbe(probe: ReadyProbe, env: Readonly<Record<string, string>>): ReadyProbe {
  const expand = (text: string) => expandVariables(text, (name) => env[name]).value;
  switch (probe.kind) {
    case 'connect':
      return { ...probe, target: expand(probe.target) };
    case 'http':
      return { ...probe, url: expand(probe.url) };
    default:
      return probe; // exec runs under sh, which expands; log is a regular expression
  }
}
