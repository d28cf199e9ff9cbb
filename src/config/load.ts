// The config pipeline: discover -> parse -> merge -> defaults -> validate. Collects every problem
// of every file and never throws on bad input; `muster config` and `muster up` both call this, so
// they always give the same verdict.
import * as path from 'node:path';
import { Diagnostic, diagnostic, sortDiagnostics } from './diagnostics';
import { parseDotenv } from './dotenv';
import { Environ } from './environment';
import { readAppFile } from './files';
import { applyHostSockets } from './host-sockets';
import { mergeProcesses } from './merge';
import { AppConfig } from './model';
import { parseProcfile, ProcfileEntry } from './procfile';
import { resolveSockets } from './sockets';
import { Located, parseTomlTree } from './toml';
import { TomlApp, validateToml } from './validate';

/** `notes`: what the app should know but is not wrong (a [socket.NAME] the host's replaces). */
export type LoadResult = { ok: true; config: AppConfig; notes: Diagnostic[] } | { ok: false; diagnostics: Diagnostic[] };

export interface LoadOptions {
  /** Under a host tier: the names of the sockets it passed (muster-control aside). The app config's
   * [socket.NAME] tables then make nothing (host-sockets.ts), and processes may list these. */
  readonly inheritedSockets?: readonly string[];
}

export const PROCFILE = 'Procfile';
export const DOTENV = '.env';
export const MUSTER_TOML = 'muster.toml';

export function loadAppConfig(root: string, environ: Environ, options: LoadOptions = {}): LoadResult {
  const absRoot = path.resolve(root);
  const diagnostics: Diagnostic[] = [];
  const notes: Diagnostic[] = [];
  try {
    const config = load(absRoot, environ, options, diagnostics, notes);
    if (config !== null && diagnostics.length === 0) return { ok: true, config, notes };
  } catch (e) {
    // A safety net: bad input must give diagnostics, so reaching this is a bug in muster.
    diagnostics.push(diagnostic(MUSTER_TOML, 0, 0, `internal error while loading the config (a bug in muster): ${(e as Error).stack ?? String(e)}`, null));
  }
  return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
}

function load(root: string, environ: Environ, options: LoadOptions, diagnostics: Diagnostic[], notes: Diagnostic[]): AppConfig | null {
  const read = (name: string): string | null => {
    const r = readAppFile(path.join(root, name), name);
    if (r.kind === 'error') diagnostics.push(r.diagnostic);
    return r.kind === 'text' ? r.text : null;
  };
  const procfileText = read(PROCFILE);
  const dotenvText = read(DOTENV);
  const tomlText = read(MUSTER_TOML);
  if (procfileText === null && tomlText === null) {
    if (diagnostics.length === 0) {
      diagnostics.push(diagnostic(PROCFILE, 0, 0, `no ${PROCFILE} or ${MUSTER_TOML} in ${root}`,
        `create a ${PROCFILE} with lines like "web: python3 app.py", or a ${MUSTER_TOML} with [process.web] and command = "python3 app.py"`));
    }
    return null;
  }

  const reportToml = (at: Located, message: string, hint: string | null) =>
    diagnostics.push(diagnostic(MUSTER_TOML, at.line, at.column, message, hint));
  let procfile: ProcfileEntry[] = [];
  if (procfileText !== null) {
    const parsed = parseProcfile(procfileText, PROCFILE);
    procfile = parsed.entries;
    diagnostics.push(...parsed.diagnostics);
  }
  const dotenv = parseDotenv(dotenvText ?? '', DOTENV, (name) => environ[name]);
  diagnostics.push(...dotenv.diagnostics);

  let toml: TomlApp = { processes: [], sockets: [], declaredSockets: [] };
  if (tomlText !== null) {
    const tree = parseTomlTree(tomlText, MUSTER_TOML);
    if (!tree.ok) {
      // Without the TOML we cannot tell which Procfile entries it refines; stop before merging.
      diagnostics.push(tree.diagnostic);
      return null;
    }
    toml = validateToml(tree.root, reportToml);
  }

  const inherited = options.inheritedSockets;
  const toMake = inherited === undefined ? toml.sockets : applyHostSockets(toml.sockets, inherited, reportToml, notes, MUSTER_TOML);
  const sockets = resolveSockets(toMake, root, reportToml);
  const processes = mergeProcesses({
    root, environ, procfile, dotenv: dotenv.values, toml: toml.processes, sockets, declaredSockets: toml.declaredSockets,
    inheritedSockets: inherited, procfileName: PROCFILE, tomlName: MUSTER_TOML,
  }, diagnostics);
  if (processes.length === 0 && diagnostics.length === 0) {
    const file = procfileText !== null ? PROCFILE : MUSTER_TOML;
    diagnostics.push(diagnostic(file, 0, 0, `${file} defines no process`,
      file === PROCFILE ? 'add a line like "web: python3 app.py"' : 'add [process.web] with command = "python3 app.py"'));
  }
  return { root, processes, sockets };
}
