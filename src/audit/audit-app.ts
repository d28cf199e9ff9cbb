// One app's audit: gather its facts from the filesystem, /proc and the account files, and run
// every check on them. Checks that need something missing (a registration the host tier refuses
// and the audit cannot read either) are skipped and the report says why; the others still run.
import * as path from 'node:path';
import type { Accounts } from '../host/accounts';
import { appFolders } from '../host/host-paths';
import type { NamedId, Registration } from '../host/registration';
import { namesOf, principalOf } from './accounts';
import { CodeTree, checkCode } from './check-code';
import { ExposureFacts, checkExposure } from './check-exposure';
import { checkHostFolders } from './check-folders';
import { checkLogin } from './check-login';
import { checkProcesses } from './check-processes';
import { OtherAppSockets, checkReach } from './check-reach';
import { checkRegistration } from './check-registration';
import { ExpectedGroup, SocketFacts, checkSockets } from './check-sockets';
import { Unseen, foldersAbove, probe, realPath, walkTree } from './gather';
import { AuditDirs, FileFacts, Finding } from './model';
import { ProcessScan } from './proc';
import { checkControlGroup } from './check-control-group';
import { AppRegistration, oneLine } from './registrations';

export interface AuditContext {
  readonly dirs: AuditDirs;
  readonly accounts: Accounts;
  /** /etc/shadow's password fields; null when it could not be read. */
  readonly shadow: ReadonlyMap<string, string> | null;
  readonly processes: ProcessScan;
  readonly walkLimit: number;
  /** Every registered app's sockets (appSockets), for whether one app reaches another's. */
  readonly sockets: readonly OtherAppSockets[];
}

export function auditApp(app: AppRegistration, ctx: AuditContext): Finding[] {
  const unseen: Unseen[] = [];
  const names = namesOf(ctx.accounts);
  const { file, registration } = app;
  const findings: Finding[] = checkRegistration({
    folder: probe(ctx.dirs.apps, true, unseen),
    above: foldersAbove(ctx.dirs.apps, unseen),
    file: probe(file, true, unseen),
  }, names);
  for (const problem of app.problems) {
    const skipped = registration === null ? '; only the checks that need no registration were run' : '';
    findings.push(note('registration', file, `muster host refuses the app: ${oneLine(problem)}${skipped}`, problem.hint ?? `fix ${file}`));
  }
  if (app.hostAccepts) findings.push(...checkHostFolders(hostFolderFacts(app.app, ctx, unseen)));
  if (registration !== null) findings.push(...auditAsUser(registration, ctx, unseen));
  findings.push(...checkExposure(exposureFacts(app.app, registration, file, ctx, unseen)));
  findings.push(...checkProcesses(ctx.processes.byApp.get(app.app) ?? [], { app: app.app, registration: file, uid: registration?.user.uid ?? null }));
  const { unreadable } = ctx.processes;
  if (unreadable.length > 0) {
    const which = unreadable.slice(0, 5).map((u) => `pid ${u.pid}: ${u.reason}`).join(', ') + (unreadable.length > 5 ? ', ...' : '');
    findings.push(note('incomplete', '/proc', `the environment of ${unreadable.length} process${unreadable.length === 1 ? '' : 'es'} could not be read (${which}): app processes among them were not checked`, 'run muster audit as root'));
  }
  for (const u of unseen) findings.push(note('incomplete', u.path, `could not be read (${u.reason}): it and what is below it were not checked`, 'run muster audit as root'));
  return sortFindings(findings);
}

function note(kind: 'registration' | 'incomplete', object: string, message: string, fix: string): Finding {
  return { severity: 'warning', kind, object, message, fix };
}

function auditAsUser(reg: Registration, ctx: AuditContext, unseen: Unseen[]): Finding[] {
  const findings: Finding[] = [];
  const trees = codeTrees(reg.root, ctx.walkLimit, unseen);
  if (trees === null) findings.push(note('incomplete', reg.root, 'the app folder does not exist: the code was not checked', `fix root in ${reg.file}, or deploy the app`));
  else findings.push(...checkCode(trees, principalOf(ctx.accounts, reg.user, reg.group)));
  findings.push(...checkSockets(socketFacts(reg, ctx, unseen), namesOf(ctx.accounts)));
  const identity = { app: reg.app, registration: reg.file, principal: principalOf(ctx.accounts, reg.user, reg.group), group: reg.group.id, primaryGroup: reg.user.gid };
  findings.push(...checkReach(identity, ctx.sockets, namesOf(ctx.accounts)));
  const controlGroup = reg.operators ?? reg.group;
  findings.push(...checkControlGroup({
    app: reg.app, registration: reg.file, controlSocket: appFolders(bases(ctx.dirs), reg.app).controlSocket, appUser: reg.user.name,
    group: controlGroup.name, operatorsRegistered: reg.operators !== null, members: ctx.accounts.membersOf(controlGroup.id),
  }));
  findings.push(...checkLogin({ user: reg.user.name, shell: reg.user.shell, passwordHash: ctx.shadow?.get(reg.user.name) ?? null }));
  if (ctx.shadow === null) {
    findings.push(note('incomplete', '/etc/shadow', 'could not be read: whether the app\'s user has a password was not checked', 'run muster audit as root'));
  }
  return findings;
}

/** The app folder, and <root>/current's target when it lies outside it; null when there is no
 * app folder. */
function codeTrees(root: string, limit: number, unseen: Unseen[]): CodeTree[] | null {
  const realRoot = realPath(root);
  const rootWalk = walkTree(realRoot, unseen, limit);
  if (rootWalk === null) return null;
  const trees: CodeTree[] = [{ walk: rootWalk, above: foldersAbove(root, unseen) }];
  const current = path.join(root, 'current');
  const target = realPath(current);
  if (target !== current && !isInside(target, realRoot)) {
    const walk = walkTree(target, unseen, limit);
    if (walk !== null) trees.push({ walk, above: foldersAbove(target, unseen) });
  }
  return trees;
}

function isInside(p: string, folder: string): boolean {
  return p === folder || p.startsWith(folder.endsWith('/') ? folder : `${folder}/`);
}

function expected(group: NamedId, from: string): ExpectedGroup {
  return { gid: group.id, name: group.name, from };
}

function socketFacts(reg: Registration, ctx: AuditContext, unseen: Unseen[]): SocketFacts {
  const controlGroup = reg.operators === null
    ? expected(reg.group, "the app's group, as there is no operators group")
    : expected(reg.operators, 'the operators group');
  const controlPath = appFolders(bases(ctx.dirs), reg.app).controlSocket;
  const control = { path: controlPath, facts: probe(controlPath, false, unseen), group: controlGroup };
  const sockets = reg.sockets.flatMap((s) => {
    if (s.config.kind !== 'unix') return []; // a TCP socket has no file to audit
    const socket = { name: s.config.name, path: s.config.path, mode: s.config.mode };
    const group = s.group === null ? null : expected(s.group, s.group.id === reg.group.id ? "the app's group" : `group in [socket.${socket.name}]`);
    return [{ socket, facts: probe(socket.path, false, unseen), group }];
  });
  const folderPaths = new Set([control, ...sockets].filter((s) => s.facts !== null).map((s) => path.dirname(s.facts!.path)));
  const folders = [...folderPaths].map((p) => probe(p, true, unseen)).filter((f): f is FileFacts => f !== null);
  return { registration: reg.file, control, sockets, runFolder: path.dirname(controlPath), folders };
}

function hostFolderFacts(name: string, ctx: AuditContext, unseen: Unseen[]) {
  const folders = appFolders(bases(ctx.dirs), name);
  const at = (p: string, follow: boolean) => ({ path: p, facts: probe(p, follow, unseen) });
  return { run: at(folders.run, true), control: at(folders.controlSocket, false), state: at(folders.state, true), log: at(folders.logs, true) };
}

/** An app's control socket and unix sockets, for the other apps' audits. What cannot be read
 * here is that app's own audit's to report. */
export function appSockets(reg: Registration, dirs: AuditDirs): OtherAppSockets {
  const ignored: Unseen[] = [];
  const controlPath = appFolders(bases(dirs), reg.app).controlSocket;
  const unix = reg.sockets.flatMap((s) => (s.config.kind === 'unix' ? [{ label: `socket ${s.config.name}`, facts: probe(s.config.path, false, ignored) }] : []));
  return { app: reg.app, sockets: [{ label: 'control socket', facts: probe(controlPath, false, ignored) }, ...unix] };
}

function bases(dirs: AuditDirs) {
  return { runBase: dirs.run, stateBase: dirs.state, logBase: dirs.log };
}

function exposureFacts(name: string, reg: Registration | null, registration: string, ctx: AuditContext, unseen: Unseen[]): ExposureFacts {
  const folders = appFolders(bases(ctx.dirs), name);
  const envFiles: ExposureFacts['envFiles'][number][] = [];
  const seen = new Set<string>();
  for (const folder of reg === null ? [] : [reg.root, path.join(reg.root, 'current'), path.join(reg.root, 'shared')]) {
    const shownAs = path.join(folder, '.env');
    const file = probe(shownAs, true, unseen);
    if (file === null || file.type !== 'file') continue;
    const real = realPath(shownAs);
    if (seen.has(real)) continue;
    seen.add(real);
    envFiles.push({ shownAs, file: { ...file, path: real }, above: foldersAbove(real, unseen) });
  }
  return {
    registration,
    logs: { walk: walkTree(realPath(folders.logs), unseen, ctx.walkLimit), above: foldersAbove(folders.logs, unseen) },
    envFiles,
    state: { folder: probe(folders.state, true, unseen), above: foldersAbove(folders.state, unseen) },
  };
}

/** Severe first; otherwise in the order the checks found them. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'severe' ? -1 : 1));
}
