// The /proc edge of the audit: every process whose environment names an app (MUSTER_APP=<app>),
// with the ids, capabilities and no-new-privileges flag its status file shows.
import * as fs from 'node:fs';
import { environValue } from '../os/proc-environ';
import { ProcessFacts } from './model';

export interface ProcessScan {
  /** App name -> its processes, by pid. */
  readonly byApp: ReadonlyMap<string, ProcessFacts[]>;
  /** Processes whose environment could not be read (another user's, when not run as root), with
   * the error code. */
  readonly unreadable: readonly { readonly pid: number; readonly reason: string }[];
}


function ids(line: string | undefined): number[] {
  return line === undefined ? [] : line.trim().split(/\s+/).filter((s) => s !== '').map(Number);
}

/** /proc/PID/status -> what the checks need; fields the kernel does not have are left empty. */
export function parseStatus(text: string): Omit<ProcessFacts, 'pid' | 'command'> & { name: string } {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  const cap = (key: string) => BigInt(`0x${fields.get(key) ?? '0'}`);
  const nnp = fields.get('NoNewPrivs');
  return {
    name: fields.get('Name') ?? '?',
    uids: ids(fields.get('Uid')),
    gids: ids(fields.get('Gid')),
    groups: ids(fields.get('Groups')),
    noNewPrivs: nnp === undefined ? null : nnp === '1',
    capEff: cap('CapEff'),
    capPrm: cap('CapPrm'),
    capAmb: cap('CapAmb'),
  };
}

/** One pass over /proc for every app at once. Left out: `self` (the audit itself, which has
 * MUSTER_APP when an operator exported it) and pid 1: init is never started by muster, and in a
 * container it is often a process even root may not read the environment of. */
export function scanProcesses(self: number = process.pid, procRoot = '/proc'): ProcessScan {
  const byApp = new Map<string, ProcessFacts[]>();
  const failed: number[] = [];
  for (const name of fs.readdirSync(procRoot)) {
    if (!/^\d+$/.test(name) || Number(name) === self || name === '1') continue;
    const read = readProcess(Number(name), procRoot);
    if (read !== null && 'reason' in read) failed.push(Number(name));
    else if (read !== null) addTo(byApp, read);
  }
  // A second try before reporting one: a process caught while it changes its credentials or
  // executes can be unreadable for a moment.
  const unreadable: { pid: number; reason: string }[] = [];
  for (const pid of failed) {
    const read = readProcess(pid, procRoot);
    if (read !== null && 'reason' in read) unreadable.push({ pid, reason: read.reason });
    else if (read !== null) addTo(byApp, read);
  }
  return { byApp, unreadable };
}

function addTo(byApp: Map<string, ProcessFacts[]>, found: { app: string; facts: ProcessFacts }): void {
  const list = byApp.get(found.app) ?? [];
  list.push(found.facts);
  byApp.set(found.app, list);
}

/** null: gone, or not an app's process; `reason`: its environment could not be read. */
function readProcess(pid: number, procRoot: string): { app: string; facts: ProcessFacts } | { reason: string } | null {
  let environ: string;
  try {
    environ = fs.readFileSync(`${procRoot}/${pid}/environ`, 'latin1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ESRCH' ? null : { reason: code ?? String(error) };
  }
  const app = environValue(environ, 'MUSTER_APP');
  if (app === undefined) return null;
  try {
    const { name: comm, ...facts } = parseStatus(fs.readFileSync(`${procRoot}/${pid}/status`, 'latin1'));
    const cmdline = fs.readFileSync(`${procRoot}/${pid}/cmdline`, 'utf8').split('\0').filter((a) => a !== '').join(' ');
    return { app, facts: { pid, command: shorten(cmdline === '' ? comm : cmdline), ...facts } };
  } catch {
    return null; // it ended between the reads
  }
}

function shorten(command: string): string {
  return command.length > 80 ? `${command.slice(0, 77)}...` : command;
}
