// `muster audit [APP] [--json] [--apps DIR] [--run-dir DIR] [--state-dir DIR] [--log-dir DIR]`:
// check registered apps (every one without APP) against the threat model (docs/audit.md). Exit 1
// when anything severe was found, 0 otherwise, 2 on a usage error or a registrations folder that
// cannot be read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Accounts } from '../host/accounts';
import { DEFAULT_APPS_DIR, DEFAULT_LOG_BASE, DEFAULT_RUN_BASE, DEFAULT_STATE_BASE } from '../host/host-paths';
import { APP_NAME } from '../host/registration';
import { readShadow } from './accounts';
import { AuditContext, appSockets, auditApp } from './audit-app';
import { WALK_LIMIT } from './gather';
import { AuditDirs } from './model';
import { scanProcesses } from './proc';
import { readRegistrations } from './registrations';
import { AppReport, renderHuman, toJson } from './render';

export const AUDIT_DEFAULTS: AuditDirs = { apps: DEFAULT_APPS_DIR, run: DEFAULT_RUN_BASE, state: DEFAULT_STATE_BASE, log: DEFAULT_LOG_BASE };

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
  /** MUSTER_RUN_DIR sets the run base, as for `muster host` and the clients (--run-dir wins).
   * Default: process.env. */
  readonly environ?: Readonly<Record<string, string | undefined>>;
}

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
    run: path.resolve(opts.dirs.run ?? ((opts.environ ?? process.env).MUSTER_RUN_DIR || AUDIT_DEFAULTS.run)),
    state: path.resolve(opts.dirs.state ?? AUDIT_DEFAULTS.state),
    log: path.resolve(opts.dirs.log ?? AUDIT_DEFAULTS.log),
  };
  if (!fs.existsSync(dirs.apps)) return usage(`there is no registrations folder ${dirs.apps} (muster host is not set up here; --apps DIR names another)`);
  const etc = opts.etc ?? '/etc';
  let accounts: Accounts;
  try {
    accounts = Accounts.read(path.join(etc, 'passwd'), path.join(etc, 'group'));
  } catch (error) {
    return usage(`cannot read the account files: ${(error as Error).message}`);
  }
  const read = readRegistrations(dirs.apps, dirs.run, accounts);
  if (!read.ok) return usage(read.problem);
  const registered = read.apps.map((a) => a.app);
  if (app !== undefined && !registered.includes(app)) {
    return usage(`no registration for app "${app}" in ${dirs.apps}${registered.length > 0 ? ` (registered: ${registered.join(', ')})` : ''}`);
  }
  const apps = app === undefined ? read.apps : read.apps.filter((a) => a.app === app);
  if (apps.length === 0) {
    if (opts.json) opts.out(`${JSON.stringify(toJson([]), null, 2)}\n`);
    else opts.out(`no registered apps in ${dirs.apps}\n`);
    return AUDIT_EXIT.clean;
  }
  const ctx: AuditContext = {
    dirs, accounts, shadow: readShadow(path.join(etc, 'shadow')), processes: scanProcesses(), walkLimit: opts.walkLimit ?? WALK_LIMIT,
    // Every registered app, not only the audited ones: each is checked against all the others.
    sockets: read.apps.flatMap((a) => (a.registration === null ? [] : [appSockets(a.registration, dirs)])),
  };
  const reports: AppReport[] = apps.map((a) => ({ app: a.app, findings: auditApp(a, ctx) }));
  opts.out(opts.json ? `${JSON.stringify(toJson(reports), null, 2)}\n` : renderHuman(reports));
  return reports.some((r) => r.findings.some((f) => f.severity === 'severe')) ? AUDIT_EXIT.severe : AUDIT_EXIT.clean;
}
