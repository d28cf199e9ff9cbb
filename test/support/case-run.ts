// More helpers for the case tests that run the real `muster up`: `muster config --json`, muster's RSS from /proc, and a cleanup that kills muster and every process group it started.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MUSTER_JS } from './paths';
import { groupMembers } from './up';

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runMuster(dir: string, args: string[]): CommandResult {
  const r = spawnSync(process.execPath, [MUSTER_JS, '-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The resolved configuration as `muster config --json` prints it. */
export function configJson(dir: string): { processes: Record<string, { command: string; env: Record<string, string> }> } {
  const r = runMuster(dir, ['config', '--json']);
  if (r.code !== 0) throw new Error(`muster config --json exited ${r.code}:\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Resident memory of a live process in KiB (VmRSS), or null once it is gone. */
export function rssKiB(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** The parent pid of a live process, or null once it is gone. */
export function parentOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

/** For `after`/`finally`: SIGKILL muster and every process group of its children (each instance
 * runs in its own group, so killing muster alone would leave them running). */
export function killMusterTree(musterPid: number | undefined): void {
  if (musterPid === undefined) return;
  const groups = fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && parentOf(Number(n)) === musterPid)
    .map(Number);
  try {
    process.kill(musterPid, 'SIGKILL');
  } catch {
    /* already gone */
  }
  for (const pgid of groups) {
    if (groupMembers(pgid).length === 0) continue;
    try {
      process.kill(-pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export function logPath(dir: string, instance: string): string {
  return path.join(dir, '.muster', 'logs', `${instance}.log`);
}

export function readLog(dir: string, instance: string): string {
  try {
    return fs.readFileSync(logPath(dir, instance), 'utf8');
  } catch {
    return '';
  }
}

/** The instance's own lines in its log file, without muster's `[muster] ...` lines. */
export function ownLines(log: string): string[] {
  return log.split('\n').filter((l, i, all) => !l.startsWith('[muster] ') && !(i === all.length - 1 && l === ''));
}
