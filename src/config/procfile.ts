// Procfile: one "name: command" per line. The name is everything before the FIRST colon; the
// command everything after it, trimmed, so "PATH=/a:$PATH" and URLs survive, and "clock:cmd" needs
// no space. Lines that cannot be used are errors naming Procfile:N, never dropped silently.
import { Diagnostic, diagnostic } from './diagnostics';
import { processNameProblem } from './names';

export interface ProcfileEntry {
  readonly name: string;
  readonly command: string;
  /** 1-based line number in the Procfile. */
  readonly line: number;
}

export interface ProcfileResult {
  readonly entries: ProcfileEntry[];
  readonly diagnostics: Diagnostic[];
}

export function parseProcfile(text: string, file = 'Procfile'): ProcfileResult {
  const entries: ProcfileEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  const firstLine = new Map<string, number>();
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const indent = line.length - line.trimStart().length;
    const colon = line.indexOf(':');
    if (colon < 0) {
      diagnostics.push(diagnostic(file, lineNo, indent + 1, `line has no "name: command" form: "${clip(trimmed)}"`,
        'write "name: command" (e.g. "web: python3 app.py"), or start the line with "#" to make it a comment'));
      return;
    }
    const name = line.slice(0, colon).trim();
    const command = line.slice(colon + 1).trim();
    const nameProblem = processNameProblem(name);
    if (nameProblem !== null) {
      diagnostics.push(diagnostic(file, lineNo, indent + 1, nameProblem.message, nameProblem.hint));
      return;
    }
    if (command === '') {
      diagnostics.push(diagnostic(file, lineNo, colon + 2, `process "${name}" has an empty command`,
        `write the command after the colon: "${name}: python3 app.py"`));
      return;
    }
    if (command.includes('\0')) {
      diagnostics.push(diagnostic(file, lineNo, colon + 2, `the command of "${name}" contains a NUL byte`, 'remove it; commands cannot hold NUL'));
      return;
    }
    const first = firstLine.get(name);
    if (first !== undefined) {
      diagnostics.push(diagnostic(file, lineNo, indent + 1, `process "${name}" is defined twice (first on line ${first})`,
        `rename one of them, e.g. "${name}-2", or remove one; use "instances" in muster.toml to run several copies`));
      return;
    }
    firstLine.set(name, lineNo);
    entries.push({ name, command, line: lineNo });
  });
  return { entries, diagnostics };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
