// `muster audit [APP] [--json] [--apps DIR] [--run-dir DIR] [--state-dir DIR] [--log-dir DIR]`:
// check registered apps against the threat model (docs/audit.md). Exit 1 when anything severe was
// found, 0 otherwise, 2 on a usage error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Accounts, parseGroup, parsePasswd, parseShadow } from './accounts';
import { AuditContext, auditApp } from './audit-app';
import { WALK_LIMIT } from './gather';
import { AuditDirs } from './model';
import { scanProcesses } from './proc';
import { AppReport, renderHuman, toJson } from './render';

export const AUDIT_DEFAULTS: AuditDirs = { apps: '/etc/muster/apps', run: '/run/muster', state: '/var/lib/muster', log: '/var/log/muster' };

export const AUDIT_EXIT = { clean: 0, severe: 1, usage: 2 } as const;

export interface AuditOptions {
  readonly args: readonly string[];
  readonly json: boolean;
  readonly dirs: Partial<AuditDirs>;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Tests set a small one to see the walk cut off. */
  readonly walkLimit?: number;
  /** Where /etc/passwd, /etc/group and /etc/shadow are. */
  readonly etc?: string;
}

const APP_NAME = /^[a-z][a-z0-9_-]*$/;

export function runAudit(opts: AuditOptions): number {
  const usage = (message: string) => {
    opts.err(`muster: ${message}\n(usage: muster audit [APP] [--json] [--apps DIR] [--run-dir DIR] [--state-dir DIR] [--log-dir DIR]; see docs/audit.md)\n`);
    return AUDIT_EXIT.usage;
  };
  if (opts.args.length > 1) return usage(`audit takes at most one app (got ${opts.args.join(' ')})`);
  const app = opts.args[0];
  if (app !== undefined && !APP_NAME.test(app)) return usage(`"${app}" is not an app name (a lowercase letter, then lowercase letters, digits, _ or -)`);
  const dirs: AuditDirs = {
    apps: path.resolve(opts.dirs.apps ?? AUDIT_DEFAULTS.apps),
    run: path.resolve(opts.dirs.run ?? AUDIT_DEFAULTS.run),
    state: path.resolve(opts.dirs.state ?? AUDIT_DEFAULTS.state),
    log: path.resolve(opts.dirs.log ?? AUDIT_DEFAULTS.log),
  };
  const listed = registeredApps(dirs.apps);
  if ('error' in listed) {
    return usage(listed.error === 'ENOENT'
      ? `there is no registrations folder ${dirs.apps} (muster host is not set up here; --apps DIR names another)`
      : `cannot read the registrations folder ${dirs.apps}: ${listed.error}`);
  }
  if (app !== undefined && !listed.apps.includes(app)) {
    return usage(`no registration for app "${app}" in ${dirs.apps}${listed.apps.length > 0 ? ` (registered: ${listed.apps.join(', ')})` : ''}`);
  }
  const names = app === undefined ? listed.apps : [app];
  if (names.length === 0) {
    if (opts.json) opts.out(`${JSON.stringify(toJson([]), null, 2)}\n`);
    else opts.out(`no registered apps in ${dirs.apps}\n`);
    return AUDIT_EXIT.clean;
  }
  const ctx: AuditContext = { dirs, accounts: readAccounts(opts.etc ?? '/etc'), processes: scanProcesses(), walkLimit: opts.walkLimit ?? WALK_LIMIT };
  const reports: AppReport[] = names.map((name) => ({ app: name, findings: auditApp(name, ctx) }));
  opts.out(opts.json ? `${JSON.stringify(toJson(reports), null, 2)}\n` : renderHuman(reports));
  return reports.some((r) => r.findings.some((f) => f.severity === 'severe')) ? AUDIT_EXIT.severe : AUDIT_EXIT.clean;
}

/** Every <name>.toml whose name is an app name, sorted. */
function registeredApps(folder: string): { apps: string[] } | { error: string } {
  try {
    const apps = fs.readdirSync(folder)
      .filter((f) => f.endsWith('.toml'))
      .map((f) => f.slice(0, -'.toml'.length))
      .filter((name) => APP_NAME.test(name))
      .sort();
    return { apps };
  } catch (error) {
    return { error: (error as NodeJS.ErrnoException).code ?? String(error) };
  }
}

function readAccounts(etc: string): Accounts {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.join(etc, file), 'utf8');
    } catch {
      return null;
    }
  };
  const shadow = read('shadow');
  return { users: parsePasswd(read('passwd') ?? ''), groups: parseGroup(read('group') ?? ''), shadow: shadow === null ? null : parseShadow(shadow) };
}
