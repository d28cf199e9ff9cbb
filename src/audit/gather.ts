// The filesystem edge of the audit: stat results as FileFacts, the folders above a path, and a
// bounded walk of a tree. What cannot be read is collected as Unseen, never thrown, so one
// unreadable folder does not hide the rest of the report.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EntryType, FileFacts, TreeEntry, Walk } from './model';

export interface Unseen {
  readonly path: string;
  readonly reason: string;
}

/** Entries one walk looks at before it stops and says so. */
export const WALK_LIMIT = 200_000;

function typeOf(st: fs.Stats): EntryType {
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isSocket()) return 'socket';
  return 'other';
}

function factsOf(p: string, st: fs.Stats): FileFacts {
  return { path: p, type: typeOf(st), uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
}

function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e.code ?? e.message;
}

/** The facts of `p` (of what it points to when `follow`); null when it does not exist. */
export function probe(p: string, follow: boolean, unseen: Unseen[]): FileFacts | null {
  try {
    return factsOf(p, follow ? fs.statSync(p) : fs.lstatSync(p));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') unseen.push({ path: p, reason: reasonOf(error) });
    return null;
  }
}

/** Where `p` really is (symlinks resolved); `p` itself when it does not exist. */
export function realPath(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** Every folder above `p`, from / down to its parent, along the path as written and, when that
 * goes through symlinks, along the resolved path too (each folder once). */
export function foldersAbove(p: string, unseen: Unseen[]): FileFacts[] {
  const written = path.resolve(p);
  const chains = [chainAbove(written), chainAbove(realPath(written))];
  const seen = new Set<string>();
  const folders: FileFacts[] = [];
  for (const folder of chains.flat()) {
    if (seen.has(folder)) continue;
    seen.add(folder);
    const facts = probe(folder, false, unseen);
    if (facts !== null) folders.push(facts);
  }
  return folders;
}

function chainAbove(p: string): string[] {
  const chain: string[] = [];
  for (let dir = path.dirname(p); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (dir === path.dirname(dir)) return chain;
  }
}

/** `top` and everything below it, without following symlinks, stopping after `limit` entries.
 * null when `top` does not exist. */
export function walkTree(top: string, unseen: Unseen[], limit = WALK_LIMIT): Walk | null {
  const first = probe(top, false, unseen);
  if (first === null) return null;
  const entries: TreeEntry[] = [{ ...first, parent: -1 }];
  const folders: number[] = first.type === 'dir' ? [0] : [];
  let truncated = false;
  while (folders.length > 0 && !truncated) {
    const index = folders.pop()!;
    const dir = entries[index]!.path;
    let names: string[];
    try {
      names = fs.readdirSync(dir).sort();
    } catch (error) {
      unseen.push({ path: dir, reason: reasonOf(error) });
      continue;
    }
    for (const name of names) {
      if (entries.length >= limit) {
        truncated = true;
        break;
      }
      const facts = probe(path.join(dir, name), false, unseen);
      if (facts === null) continue; // removed while we walked
      entries.push({ ...facts, parent: index });
      if (facts.type === 'dir') folders.push(entries.length - 1);
    }
  }
  return { top, entries, truncated, limit };
}
