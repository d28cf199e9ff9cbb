// .env files: KEY=value lines. The rules (docs/config.md has the full list):
// - optional "export " prefix; the first "=" splits key and value;
// - outside quotes "#" starts a comment only at the start of a line or after whitespace, so
//   "bar#baz", "#ops" and '{"a":"x#y"}' survive;
// - single quotes are literal; double quotes know \n \t \\ \" and may span lines;
// - ${VAR} expands from earlier lines, then from the fallback lookup.
// Errors never shift later keys: a bad line is reported and parsing goes on with the next one,
// and an unterminated quote is reported at its starting line and parsing resumes right after it.
import { Diagnostic, diagnostic } from './diagnostics';
import { EXPANSION_HINT, Lookup, expandVariables } from './expand';

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', '\\': '\\', '"': '"' };

export interface DotenvResult {
  /** In file order; a key given twice keeps its last value. */
  readonly values: Map<string, string>;
  readonly diagnostics: Diagnostic[];
}

export function parseDotenv(text: string, file = '.env', fallback: Lookup = () => undefined): DotenvResult {
  const values = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  const lines = text.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n').split('\n');
  const lookup: Lookup = (name) => values.get(name) ?? fallback(name);
  const report = (line: number, column: number, message: string, hint: string | null) =>
    diagnostics.push(diagnostic(file, line, column, message, hint));

  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    const line = lines[i]!;
    i++;
    let rest = line.replace(/^[ \t]+/, '');
    if (rest === '' || rest.startsWith('#')) continue;
    let offset = line.length - rest.length;
    const exported = /^export[ \t]+/.exec(rest);
    if (exported !== null) {
      rest = rest.slice(exported[0].length);
      offset += exported[0].length;
    }
    const eq = rest.indexOf('=');
    if (eq < 0) {
      const word = rest.trim();
      report(lineNo, offset + 1, `line is not KEY=value: "${clip(word)}"`,
        KEY.test(word) ? `write "${word}=value", or start the line with "#" to make it a comment`
          : 'write KEY=value, or start the line with "#" to make it a comment');
      continue;
    }
    const key = rest.slice(0, eq).trimEnd();
    const keyOk = KEY.test(key);
    if (!keyOk) {
      const fixed = key.trim().replace(/[^A-Za-z0-9_]+/g, '_').replace(/^(?=[0-9])/, '_');
      report(lineNo, offset + 1, `invalid key "${clip(key)}"`,
        `keys use letters, digits and "_" and do not start with a digit${fixed !== '' ? `: "${fixed}"` : ''}`);
    }
    const afterEq = rest.slice(eq + 1);
    const raw = afterEq.replace(/^[ \t]+/, '');
    const valueColumn = offset + eq + 2 + (afterEq.length - raw.length);
    let value: string;
    const quote = raw[0];
    if (quote === '"' || quote === "'") {
      const found = findClosingQuote(lines, i - 1, line.length - raw.length + 1, quote);
      if (found === null) {
        report(lineNo, valueColumn, `unterminated ${quote === '"' ? 'double' : 'single'} quote in the value of ${keyOk ? key : 'this line'}`,
          `close the value with ${quote}; a value may span lines, but it must end with the same quote`);
        continue;
      }
      i = found.endLine + 1;
      const trailing = lines[found.endLine]!.slice(found.endOffset + 1);
      if (!/^([ \t]+#.*|[ \t]*)$/.test(trailing)) { // "#" starts a comment only after a blank
        report(found.endLine + 1, found.endOffset + 2, `unexpected text after the closing quote: "${clip(trailing.trim())}"`,
          'put the whole value inside the quotes, or start a comment with " #"');
        continue;
      }
      if (quote === "'") {
        value = found.content;
      } else {
        const direct = expandDoubleQuoted(found.content, lookup);
        value = direct.value;
        for (const p of direct.problems) report(lineNo, valueColumn, p, EXPANSION_HINT);
      }
    } else {
      const expanded = expandVariables(stripComment(afterEq).trim(), lookup);
      value = expanded.value;
      for (const p of expanded.problems) report(lineNo, valueColumn, p, EXPANSION_HINT);
    }
    if (value.includes('\0')) {
      report(lineNo, valueColumn, `the value of ${key} contains a NUL byte`, 'remove it; environment values cannot hold NUL');
      continue;
    }
    if (keyOk) values.set(key, value);
  }
  return { values, diagnostics };
}

/** Outside quotes, "#" starts a comment at the start of the value only after whitespace, or after whitespace inside it. */
function stripComment(afterEq: string): string {
  for (let j = 0; j < afterEq.length; j++) {
    if (afterEq[j] === '#' && j > 0 && (afterEq[j - 1] === ' ' || afterEq[j - 1] === '\t')) return afterEq.slice(0, j);
  }
  return afterEq;
}

/** The closing quote of a value starting at lines[lineIdx][offset], honouring \" inside double quotes. */
function findClosingQuote(lines: readonly string[], lineIdx: number, offset: number, quote: string):
  { content: string; endLine: number; endOffset: number } | null {
  const parts: string[] = [];
  let from = offset;
  for (let l = lineIdx; l < lines.length; l++) {
    const text = lines[l]!;
    for (let j = from; j < text.length; j++) {
      if (quote === '"' && text[j] === '\\') {
        j++;
        continue;
      }
      if (text[j] === quote) {
        parts.push(text.slice(from, j));
        return { content: parts.join('\n'), endLine: l, endOffset: j };
      }
    }
    parts.push(text.slice(from));
    from = 0;
  }
  return null;
}

/** Double-quoted content: \n \t \\ \" are escapes (other backslashes stay), ${VAR} expands. */
function expandDoubleQuoted(content: string, lookup: Lookup): { value: string; problems: string[] } {
  let value = '';
  const problems: string[] = [];
  let plain = '';
  const flush = () => {
    const e = expandVariables(plain, lookup);
    value += e.value;
    problems.push(...e.problems);
    plain = '';
  };
  for (let j = 0; j < content.length; j++) {
    const c = content[j]!;
    const mapped = c === '\\' ? ESCAPES[content[j + 1] ?? ''] : undefined;
    if (mapped !== undefined) {
      // An escaped character never starts or ends a ${...}: flush what came before it.
      flush();
      value += mapped;
      j++;
    } else {
      plain += c;
    }
  }
  flush();
  return { value, problems };
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}
