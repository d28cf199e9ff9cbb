// How a command line from the Procfile or muster.toml is executed. A command made only of words,
// quotes and backslash escapes is split here and the program is executed directly: the pid muster
// watches is then the program itself, and stop signals reach it instead of an intermediate shell.
// Anything with shell syntax goes to /bin/sh -c unchanged, so it means exactly what sh says.

export interface Argv {
  /** True when the command needs /bin/sh. */
  readonly shell: boolean;
  /** Program and arguments; for shell commands ['/bin/sh', '-c', command]. */
  readonly argv: string[];
}

/** Characters that mean shell syntax anywhere outside single quotes. */
const SPECIAL = new Set(['$', '`', '|', '&', ';', '<', '>', '(', ')', '*', '?', '[', ']', '{', '}', '\n', '\r']);
/** Inside double quotes, sh still expands these. */
const DOUBLE_QUOTE_SPECIAL = new Set(['$', '`']);
/** In double quotes a backslash only escapes these; before anything else it stays a backslash. */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\']);
/**
 * First words that are shell keywords or builtins, not programs: running them directly would fail
 * or mean something else ("exec gunicorn app" is a common Procfile idiom).
 */
const SHELL_WORDS = new Set([
  '!', 'if', 'then', 'else', 'elif', 'fi', 'case', 'esac', 'for', 'while', 'until', 'do', 'done', 'function', 'select',
  'time', 'exec', 'cd', 'export', '.', 'source', 'eval', 'set', 'unset', 'trap', 'ulimit', 'umask', 'alias', 'shift',
  'readonly', 'return', 'exit', 'break', 'continue', 'wait', 'command', 'builtin', 'local', 'declare', 'typeset',
]);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

export function toArgv(command: string): Argv {
  const viaShell: Argv = { shell: true, argv: ['/bin/sh', '-c', command] };
  const words = splitWords(command);
  if (words === null || words.length === 0) return viaShell;
  if (ASSIGNMENT.test(command.replace(/^[ \t]+/, '')) || SHELL_WORDS.has(words[0]!)) return viaShell;
  return { shell: false, argv: words };
}

/** The unquoted words, or null as soon as something needs a shell (including an unterminated quote). */
function splitWords(s: string): string[] | null {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      i++;
    } else if (c === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return null;
      word += s.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      const end = readDoubleQuoted(s, i + 1);
      if (end === null) return null;
      word += end.text;
      inWord = true;
      i = end.next;
    } else if (c === '\\') {
      const next = s[i + 1];
      if (next === undefined || next === '\n' || next === '\r') return null;
      word += next;
      inWord = true;
      i += 2;
    } else if (SPECIAL.has(c) || (!inWord && (c === '~' || c === '#'))) {
      return null;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}

function readDoubleQuoted(s: string, from: number): { text: string; next: number } | null {
  let text = '';
  for (let i = from; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return { text, next: i + 1 };
    if (DOUBLE_QUOTE_SPECIAL.has(c) || SPECIAL.has(c) && (c === '\n' || c === '\r')) return null;
    if (c === '\\') {
      const next = s[i + 1];
      if (next !== undefined && DOUBLE_QUOTE_ESCAPABLE.has(next)) {
        text += next;
        i++;
        continue;
      }
      if (next === '\n') return null;
    }
    text += c;
  }
  return null;
}
