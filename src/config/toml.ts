// muster.toml text -> a small tree of located values. We walk toml-eslint-parser's AST ourselves
// (rather than its getStaticTOMLValue) to keep, for every key, where it was written, and to keep
// table order: a plain object would move keys such as "2" to the front.
import { AST, parseTOML } from 'toml-eslint-parser';
import { Diagnostic, diagnostic } from './diagnostics';

export interface Located {
  /** 1-based. */
  readonly line: number;
  readonly column: number;
}

export type TomlNode =
  | TomlTable
  | { readonly kind: 'array'; readonly items: TomlNode[]; readonly at: Located }
  | { readonly kind: 'string'; readonly value: string; readonly at: Located }
  | { readonly kind: 'integer' | 'float'; readonly value: number; readonly at: Located }
  | { readonly kind: 'boolean'; readonly value: boolean; readonly at: Located }
  | { readonly kind: 'datetime'; readonly value: string; readonly at: Located };

export interface TomlTable {
  readonly kind: 'table';
  readonly entries: Map<string, TomlEntry>;
  readonly at: Located;
}

export interface TomlEntry {
  readonly key: string;
  /** Where the key is written (for "[process.web]", where "web" is). */
  readonly keyAt: Located;
  node: TomlNode;
}

export type TomlParse = { ok: true; root: TomlTable } | { ok: false; diagnostic: Diagnostic };

/** A hint that fits the parser's complaint; the parser's messages are short and fixed. */
function syntaxHint(message: string): string {
  if (/multiple times/i.test(message)) return 'each key may appear once per table: remove or merge the repeated one';
  if (/unterminated string/i.test(message)) return 'close the string with the same quote it opened with';
  if (/same line/i.test(message)) return 'write the key, "=" and the value on one line: stop_timeout = "30s"; close a [table] header with "]"';
  if (/unexpected character/i.test(message)) return 'strings need quotes: stop_signal = "TERM"';
  return 'see https://toml.io for the syntax';
}

export function parseTomlTree(text: string, file = 'muster.toml'): TomlParse {
  let program: AST.TOMLProgram;
  try {
    // A UTF-8 byte order mark (some Windows editors write one) is not part of the TOML: as in .env and Procfile.
    program = parseTOML(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    const err = e as { message?: unknown; lineNumber?: unknown; column?: unknown };
    const line = typeof err.lineNumber === 'number' ? err.lineNumber : 0;
    const column = typeof err.column === 'number' ? err.column + 1 : 0;
    const message = typeof err.message === 'string' ? err.message : String(e);
    return { ok: false, diagnostic: diagnostic(file, line, column, `TOML syntax error: ${message}`, syntaxHint(message)) };
  }
  const root: TomlTable = { kind: 'table', entries: new Map(), at: { line: 1, column: 1 } };
  const top = program.body[0];
  for (const item of top.body) {
    if (item.type === 'TOMLKeyValue') {
      insertKeyValue(root, item);
      continue;
    }
    let table = root;
    item.key.keys.forEach((part, index) => {
      const last = index === item.key.keys.length - 1;
      if (last && item.kind === 'array') {
        const entry = table.entries.get(keyName(part));
        const fresh = newTable(part);
        if (entry !== undefined && entry.node.kind === 'array') entry.node.items.push(fresh);
        else table.entries.set(keyName(part), { key: keyName(part), keyAt: at(part), node: { kind: 'array', items: [fresh], at: at(part) } });
        table = fresh;
      } else {
        table = childTable(table, part);
      }
    });
    for (const kv of item.body) insertKeyValue(table, kv);
  }
  return { ok: true, root };
}

function insertKeyValue(table: TomlTable, kv: AST.TOMLKeyValue): void {
  const parts = kv.key.keys;
  let target = table;
  for (const part of parts.slice(0, -1)) target = childTable(target, part);
  const last = parts[parts.length - 1]!;
  target.entries.set(keyName(last), { key: keyName(last), keyAt: at(last), node: convert(kv.value) });
}

/** The table under `part`, created if needed; through an array of tables, its last element. */
function childTable(table: TomlTable, part: AST.TOMLBare | AST.TOMLQuoted): TomlTable {
  const existing = table.entries.get(keyName(part));
  if (existing !== undefined) {
    if (existing.node.kind === 'table') return existing.node;
    if (existing.node.kind === 'array') {
      const lastItem = existing.node.items[existing.node.items.length - 1];
      if (lastItem !== undefined && lastItem.kind === 'table') return lastItem;
    }
  }
  // The parser rejects redefinitions, so replacing a non-table here only happens on input it let through.
  const fresh = newTable(part);
  table.entries.set(keyName(part), { key: keyName(part), keyAt: at(part), node: fresh });
  return fresh;
}

function convert(node: AST.TOMLContentNode): TomlNode {
  if (node.type === 'TOMLArray') return { kind: 'array', items: node.elements.map(convert), at: at(node) };
  if (node.type === 'TOMLInlineTable') {
    const table: TomlTable = { kind: 'table', entries: new Map(), at: at(node) };
    for (const kv of node.body) insertKeyValue(table, kv);
    return table;
  }
  switch (node.kind) {
    case 'string': return { kind: 'string', value: node.value, at: at(node) };
    case 'integer': return { kind: 'integer', value: node.value, at: at(node) };
    case 'float': return { kind: 'float', value: node.value, at: at(node) };
    case 'boolean': return { kind: 'boolean', value: node.value, at: at(node) };
    default: return { kind: 'datetime', value: node.datetime, at: at(node) };
  }
}

function newTable(part: AST.TOMLBare | AST.TOMLQuoted): TomlTable {
  return { kind: 'table', entries: new Map(), at: at(part) };
}

function keyName(part: AST.TOMLBare | AST.TOMLQuoted): string {
  return part.type === 'TOMLBare' ? part.name : part.value;
}

function at(node: { loc: { start: { line: number; column: number } } }): Located {
  return { line: node.loc.start.line, column: node.loc.start.column + 1 };
}

/** "the integer 30", "the string \"x\"", "a list": for "expected ..., got ..." messages. */
export function describeNode(node: TomlNode): string {
  switch (node.kind) {
    case 'string': return `the string ${JSON.stringify(node.value)}`;
    case 'integer': return `the integer ${node.value}`;
    case 'float': return `the number ${node.value}`;
    case 'boolean': return `the boolean ${node.value}`;
    case 'datetime': return `the date ${node.value}`;
    case 'array': return 'a list';
    case 'table': return 'a table';
  }
}
