// Reading the app's files without throwing: absent is normal, anything else is a diagnostic.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Diagnostic, diagnostic } from './diagnostics';

export type FileRead = { kind: 'text'; text: string } | { kind: 'absent' } | { kind: 'error'; diagnostic: Diagnostic };

export function readAppFile(absPath: string, shownAs: string): FileRead {
  try {
    const stat = fs.statSync(absPath);
    if (!stat.isFile()) return { kind: 'error', diagnostic: diagnostic(shownAs, 0, 0, `${shownAs} is not a regular file`, `replace it with a text file, or remove it`) };
    return { kind: 'text', text: fs.readFileSync(absPath, 'utf8') };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { kind: 'absent' };
    return { kind: 'error', diagnostic: diagnostic(shownAs, 0, 0, `cannot read ${shownAs}: ${(e as Error).message}`, 'check the file permissions') };
  }
}

/** How a file under the app root is named in diagnostics: relative when inside the root, else absolute. */
export function displayPath(root: string, absPath: string): string {
  const rel = path.relative(root, absPath);
  return rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? absPath : rel;
}
