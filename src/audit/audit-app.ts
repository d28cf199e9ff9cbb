// One app's audit: gather its facts from the filesystem, /proc and the account files, and run
// every check on them. Checks that need something missing (a registration that cannot be read, a
// user that does not exist) are skipped and the report says why; the others still run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Accounts, GroupEntry, PasswdEntry, findGroup, findUser, namesOf, principalOf } from './accounts';
import { CodeTree, checkCode } from './check-code';
import { ExposureFacts, checkExposure } from './check-exposure';
import { checkLogin } from './check-login';
import { checkProcesses } from './check-processes';
import { checkRegistration } from './check-registration';
import { ExpectedGroup, SocketFacts, checkSockets } from './check-sockets';
import { Unseen, foldersAbove, probe, realPath, walkTree } from './gather';
import { AuditDirs, AuditedApp, FileFacts, Finding, Names } from './model';
import { ProcessScan } from './proc';
import { RegistrationRead, readRegistration } from './registration-adapter';

export interface AuditContext {
  readonly dirs: AuditDirs;
  readonly accounts: Accounts;
  readonly processes: ProcessScan;
  readonly walkLimit: number;
  /** Reads and adapts a registration; registration-adapter's by default. */
  readonly read?: (text: string, file: string, name: string, runDir: string) => RegistrationRead;
}

export function auditApp(name: string, ctx: AuditContext): Finding[] {
  const unseen: Unseen[] = [];
  const names = namesOf(ctx.accounts);
  const file = path.join(ctx.dirs.apps, `${name}.toml`);
  const findings: Finding[] = checkRegistration({
    folder: probe(ctx.dirs.apps, true, unseen),
    above: foldersAbove(ctx.dirs.apps, unseen),
    file: probe(file, true, unseen),
  }, names);
  const registration = load(file, name, ctx, findings);
  const user = registration === null ? undefined : findUser(ctx.accounts, registration.user);
  if (registration !== null && user === undefined) {
    findings.push(note('registration', file, `user ${registration.user} does not exist: the host tier will not start the app; the checks that need the user were skipped`, `useradd -r -M -s /usr/sbin/nologin ${registration.user}, or fix user in ${file}`));
  }
  if (registration !== null && user !== undefined) findings.push(...auditAsUser(registration, user, ctx, names, unseen));
  findings.push(...checkExposure(exposureFacts(name, registration, file, ctx, unseen)));
  findings.push(...checkProcesses(ctx.processes.byApp.get(name) ?? [], { app: name, registration: file, uid: user?.uid ?? null }));
  if (ctx.processes.unreadable > 0) {
    findings.push(note('incomplete', '/proc', `the environment of ${ctx.processes.unreadable} processes could not be read: app processes among them were not checked`, 'run muster audit as root'));
  }
  for (const u of unseen) findings.push(note('incomplete', u.path, `could not be read (${u.reason}): it and what is below it were not checked`, 'run muster audit as root'));
  return sortFindings(findings);
}

function note(kind: 'registration' | 'incomplete', object: string, message: string, fix: string): Finding {
  return { severity: 'warning', kind, object, message, fix };
}

function load(file: string, name: string, ctx: AuditContext, findings: Finding[]): AuditedApp | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    findings.push(note('incomplete', file, `could not be read (${(error as NodeJS.ErrnoException).code ?? error}): only the checks that need no registration were run`, 'run muster audit as root'));
    return null;
  }
  const read = (ctx.read ?? readRegistration)(text, file, name, ctx.dirs.run);
  for (const problem of read.problems) {
    findings.push(note('registration', file, read.ok ? problem : `${problem}; only the checks that need no registration were run`, `fix ${file} (muster host refuses it too)`));
  }
  return read.ok ? read.app : null;
}

function auditAsUser(app: AuditedApp, user: PasswdEntry, ctx: AuditContext, names: Names, unseen: Unseen[]): Finding[] {
  const findings: Finding[] = [];
  const group = app.group === null ? ctx.accounts.groups.find((g) => g.gid === user.gid) : findGroup(ctx.accounts, app.group);
  if (app.group !== null && group === undefined) {
    findings.push(note('registration', app.registration, `group ${app.group} does not exist: the host tier will not start the app`, `groupadd --system ${app.group}, or fix group in ${app.registration}`));
  }
  if (user.uid === 0) {
    findings.push({ severity: 'severe', kind: 'registration', object: app.registration, message: `user ${user.name} is root: the app would run with every privilege (the host tier refuses it)`, fix: `set user in ${app.registration} to an unprivileged user` });
  } else {
    const trees = codeTrees(app.root, ctx.walkLimit, unseen);
    if (trees === null) findings.push(note('incomplete', app.root, 'the app folder does not exist: the code was not checked', `fix root in ${app.registration}, or deploy the app`));
    else findings.push(...checkCode(trees, principalOf(ctx.accounts, user, group)));
  }
  findings.push(...checkSockets(socketFacts(app, ctx, group, findings, unseen), names));
  findings.push(...checkLogin({ user: user.name, shell: user.shell, passwordHash: ctx.accounts.shadow?.get(user.name) ?? null }));
  if (ctx.accounts.shadow === null) {
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

function expected(group: GroupEntry | undefined, from: string): ExpectedGroup | null {
  return group === undefined ? null : { gid: group.gid, name: group.name, from };
}

function socketFacts(app: AuditedApp, ctx: AuditContext, appGroup: GroupEntry | undefined, findings: Finding[], unseen: Unseen[]): SocketFacts {
  let controlGroup = expected(appGroup, "the app's group, as there is no operators group");
  if (app.operators !== null) {
    const operators = findGroup(ctx.accounts, app.operators);
    if (operators === undefined) findings.push(note('registration', app.registration, `operators group ${app.operators} does not exist`, `groupadd --system ${app.operators}, or fix operators in ${app.registration}`));
    controlGroup = expected(operators, 'the operators group');
  }
  const controlPath = path.join(ctx.dirs.run, app.name, 'control.sock');
  const control = { path: controlPath, facts: probe(controlPath, false, unseen), group: controlGroup };
  const sockets = app.sockets.map((socket) => {
    const group = socket.group === null ? expected(appGroup, "the app's group") : expected(findGroup(ctx.accounts, socket.group), `group in [socket.${socket.name}]`);
    return { socket, facts: probe(socket.path, false, unseen), group };
  });
  const folderPaths = new Set([control, ...sockets].filter((s) => s.facts !== null).map((s) => path.dirname(s.facts!.path)));
  const folders = [...folderPaths].map((p) => probe(p, true, unseen)).filter((f): f is FileFacts => f !== null);
  return { registration: app.registration, control, sockets, folders };
}

function exposureFacts(name: string, app: AuditedApp | null, registration: string, ctx: AuditContext, unseen: Unseen[]): ExposureFacts {
  const logTop = path.join(ctx.dirs.log, name);
  const stateFolder = path.join(ctx.dirs.state, name);
  const envFiles: ExposureFacts['envFiles'][number][] = [];
  const seen = new Set<string>();
  for (const folder of app === null ? [] : [app.root, path.join(app.root, 'current'), path.join(app.root, 'shared')]) {
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
    logs: { walk: walkTree(realPath(logTop), unseen, ctx.walkLimit), above: foldersAbove(logTop, unseen) },
    envFiles,
    state: { folder: probe(stateFolder, true, unseen), above: foldersAbove(stateFolder, unseen) },
  };
}

/** Severe first; otherwise in the order the checks found them. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  return [...findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'severe' ? -1 : 1));
}
