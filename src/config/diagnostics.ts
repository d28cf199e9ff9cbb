// One problem found in an app's configuration. Every stage of the config pipeline collects these
// instead of throwing, so `muster config` can show all problems of all files at once.

export interface Diagnostic {
  /** Relative to the app root: 'Procfile', '.env', 'muster.toml', 'config/prod.env'. */
  file: string;
  /** 1-based; 0 when the problem concerns the whole file (for example a missing file). */
  line: number;
  /** 1-based; 0 when unknown. */
  column: number;
  /** What is wrong, in plain words. */
  message: string;
  /** What to write instead, or null when there is nothing useful to suggest. */
  hint: string | null;
}

export function diagnostic(file: string, line: number, column: number, message: string, hint: string | null = null): Diagnostic {
  return { file, line, column, message, hint };
}

/** "muster.toml:7:1: unknown key ...\n  hint: did you mean ...?" */
export function formatDiagnostic(d: Diagnostic): string {
  let where = d.file;
  if (d.line > 0) where += `:${d.line}`;
  if (d.line > 0 && d.column > 0) where += `:${d.column}`;
  const head = `${where}: ${d.message}`;
  return d.hint === null ? head : `${head}\n  hint: ${d.hint}`;
}

/**
 * Stable order for display: files in order of first appearance, then by line and column.
 * Identical diagnostics (the same env_file read for two processes) are shown once.
 */
export function sortDiagnostics(list: readonly Diagnostic[]): Diagnostic[] {
  const fileRank = new Map<string, number>();
  const seen = new Set<string>();
  const unique: Diagnostic[] = [];
  for (const d of list) {
    if (!fileRank.has(d.file)) fileRank.set(d.file, fileRank.size);
    const key = formatDiagnostic(d);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(d);
  }
  return unique
    .map((d, i) => ({ d, i }))
    .sort((a, b) =>
      (fileRank.get(a.d.file)! - fileRank.get(b.d.file)!) ||
      (a.d.line - b.d.line) || (a.d.column - b.d.column) || (a.i - b.i))
    .map((x) => x.d);
}
