// ${VAR} and ${VAR:-default} expansion, shared by .env files and the `env` table of muster.toml.
// `$VAR` without braces is left as written: values such as passwords often contain "$", and a
// brace-only rule keeps them intact. Expansion is never recursive: the looked-up text is inserted
// as is, so a value containing "${X}" does not pull in X a second time.

export type Lookup = (name: string) => string | undefined;

const REFERENCE = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

export interface Expansion {
  readonly value: string;
  /** Malformed references such as "${A B}" or a "${" with no "}"; they are kept literally. */
  readonly problems: string[];
}

export function expandVariables(text: string, lookup: Lookup): Expansion {
  let value = '';
  const problems: string[] = [];
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start < 0) {
      value += text.slice(i);
      break;
    }
    value += text.slice(i, start);
    const end = text.indexOf('}', start + 2);
    const inner = end < 0 ? null : REFERENCE.exec(text.slice(start + 2, end));
    if (end < 0 || inner === null) {
      const shown = end < 0 ? text.slice(start, start + 20) : text.slice(start, end + 1);
      problems.push(`malformed variable reference "${shown}"`);
      value += end < 0 ? text.slice(start) : text.slice(start, end + 1);
      i = end < 0 ? text.length : end + 1;
      continue;
    }
    const found = lookup(inner[1]!);
    const fallback = inner[2];
    value += fallback !== undefined && (found === undefined || found === '') ? fallback : (found ?? '');
    i = end + 1;
  }
  return { value, problems };
}

export const EXPANSION_HINT = 'write ${NAME} or ${NAME:-default}; use single quotes for a literal "${"';
