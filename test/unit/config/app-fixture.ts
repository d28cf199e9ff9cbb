// Test helper: writes a throw-away app folder and loads it. Not a test file itself.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Diagnostic, formatDiagnostic } from '../../../src/config/diagnostics';
import { loadAppConfig } from '../../../src/config/load';
import { AppConfig, ProcessConfig } from '../../../src/config/model';

export function makeApp(files: Record<string, string | Buffer>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'muster-'));
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(root, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
  return root;
}

export function loadOk(files: Record<string, string | Buffer>, environ: Record<string, string> = {}): AppConfig {
  const result = loadAppConfig(makeApp(files), environ);
  if (!result.ok) throw new Error(`expected a valid config, got:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
  return result.config;
}

export function loadErrors(files: Record<string, string | Buffer>, environ: Record<string, string> = {}): Diagnostic[] {
  const result = loadAppConfig(makeApp(files), environ);
  if (result.ok) throw new Error('expected diagnostics, got a valid config');
  return result.diagnostics;
}

/** The formatted text of every diagnostic, as `muster config` prints them. */
export function errorText(files: Record<string, string | Buffer>, environ: Record<string, string> = {}): string[] {
  return loadErrors(files, environ).map(formatDiagnostic);
}

export function proc(config: AppConfig, name: string): ProcessConfig {
  const p = config.processes.find((x) => x.name === name);
  if (p === undefined) throw new Error(`no process ${name} in ${config.processes.map((x) => x.name).join(', ')}`);
  return p;
}
