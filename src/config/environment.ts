// The environment of one process: .env (root), then each env_file, then the `env` table; later
// layers win. env_file values expand ${VAR} from their own earlier lines, then from the layers
// before them, then from muster's environment; `env` values from .env + env_files, then muster's.
import * as path from 'node:path';
import { Diagnostic, diagnostic } from './diagnostics';
import { parseDotenv } from './dotenv';
import { EXPANSION_HINT, expandVariables } from './expand';
import { displayPath, readAppFile } from './files';
import { TomlProcess } from './validate';

export type Environ = Readonly<Record<string, string | undefined>>;

export function resolveEnvironment(
  root: string, base: ReadonlyMap<string, string>, proc: TomlProcess | undefined, environ: Environ,
  diagnostics: Diagnostic[], tomlFile: string,
): Map<string, string> {
  const env = new Map(base);
  const lookup = (name: string) => env.get(name) ?? environ[name];
  for (const file of proc?.envFiles ?? []) {
    const abs = path.resolve(root, file.value);
    const shown = displayPath(root, abs);
    const read = readAppFile(abs, shown);
    if (read.kind !== 'text') {
      diagnostics.push(diagnostic(tomlFile, file.at.line, file.at.column,
        read.kind === 'absent' ? `env_file "${file.value}" of [process.${proc!.name}] does not exist (looked for ${abs})` : read.diagnostic.message,
        read.kind === 'absent' ? 'create the file, or fix the path (it is relative to the app folder)' : read.diagnostic.hint));
      continue;
    }
    const parsed = parseDotenv(read.text, shown, lookup);
    diagnostics.push(...parsed.diagnostics);
    for (const [k, v] of parsed.values) env.set(k, v);
  }
  const layered = new Map(env);
  const layeredLookup = (name: string) => layered.get(name) ?? environ[name];
  for (const item of proc?.env ?? []) {
    const expanded = expandVariables(item.value, layeredLookup);
    for (const p of expanded.problems) {
      diagnostics.push(diagnostic(tomlFile, item.at.line, item.at.column, `env ${item.key} in [process.${proc!.name}]: ${p}`, EXPANSION_HINT));
    }
    env.set(item.key, expanded.value);
  }
  return env;
}
