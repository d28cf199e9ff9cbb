// One registration's text -> a Registration, or every problem in it (file:line:column, what was
// expected, how to fix), with the same TOML reader, typed fields and socket tables as muster.toml.
// Users and groups are resolved here, so an app whose user does not exist is refused before
// anything is made for it. See docs/host.md for every key.
import * as path from 'node:path';
import { Diagnostic, diagnostic, sortDiagnostics } from '../config/diagnostics';
import { FieldContext, readString } from '../config/fields';
import { MAX_NAME_LENGTH } from '../config/names';
import { MAX_UNIX_PATH_BYTES, readOctalMode, readSocketTables, resolveSockets, type TomlSocket } from '../config/sockets';
import { closest, suggestionHint } from '../config/suggest';
import { Located, TomlEntry, describeNode, parseTomlTree } from '../config/toml';
import type { SocketConfig } from '../config/model';
import type { Sited } from '../config/validate';
import { Accounts, type UserAccount } from './accounts';
import { readLimits, type ResourceLimit } from './limits';
import { CONTROL_SOCKET_NAME, controlSocketFile, runFolder } from './host-paths';
import type { HostSocket, NamedId, Registration } from './registration-model';

export interface RegistrationContext {
  /** <run-base>: relative socket paths are relative to <run-base>/<app>. */
  readonly runBase: string;
  readonly accounts: Accounts;
}

export type RegistrationParse = { readonly ok: true; readonly registration: Registration } | { readonly ok: false; readonly diagnostics: Diagnostic[] };

/** App names: the registration's file name without .toml. */
export const APP_NAME = /^[a-z][a-z0-9_-]*$/;
export const REGISTRATION_KEYS: readonly string[] = ['user', 'group', 'operators', 'root', 'umask', 'pass_env', 'limits', 'socket'];
export const DEFAULT_UMASK = 0o027;
const SOCKET_OWNER_KEYS: readonly string[] = ['owner', 'group'];
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by the host tier itself (docs/host-contract.md): passing the host's value would replace it. */
const OWN_VARIABLES: readonly string[] = ['HOME', 'SHELL', 'USER', 'LOGNAME', 'PATH'];
const OWN_PREFIXES: readonly string[] = ['MUSTER_', 'LISTEN_'];

export function appNameProblem(app: string): string | null {
  if (app.length > MAX_NAME_LENGTH) return `the app name "${app.slice(0, 20)}..." is ${app.length} characters long (at most ${MAX_NAME_LENGTH})`;
  if (!APP_NAME.test(app)) return `"${app}" is not an app name: use lower-case letters, digits, "_" and "-", starting with a letter`;
  return null;
}

export function parseRegistration(text: string, file: string, app: string, context: RegistrationContext): RegistrationParse {
  const diagnostics: Diagnostic[] = [];
  const report = (at: Located, message: string, hint: string | null) => diagnostics.push(diagnostic(file, at.line, at.column, message, hint));
  const whole = (message: string, hint: string | null) => diagnostics.push(diagnostic(file, 0, 0, message, hint));
  const nameProblem = appNameProblem(app);
  if (nameProblem !== null) whole(nameProblem, `rename the file, e.g. ${path.join(path.dirname(file), `${app.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z]+/, '') || 'app'}.toml`)}`);
  const tree = parseTomlTree(text, file);
  if (!tree.ok) return { ok: false, diagnostics: [...diagnostics, tree.diagnostic] };

  const reader = new RegistrationReader(context.accounts, report);
  for (const entry of tree.root.entries.values()) reader.read(entry);
  const user = reader.user;
  if (user === undefined && !reader.userInvalid) whole('no user: the registration must say which user the app runs as', 'add user = "appa" (a user that exists, not root)');
  if (reader.root === undefined && !reader.rootInvalid) whole('no root: the registration must name the app folder', 'add root = "/srv/appa" (an absolute path)');
  const run = runFolder(context.runBase, app);
  const control = controlSocketFile(context.runBase, app);
  if (Buffer.byteLength(control) > MAX_UNIX_PATH_BYTES) {
    whole(`the control socket ${control} would be ${Buffer.byteLength(control)} bytes long; a unix socket path can have at most ${MAX_UNIX_PATH_BYTES}`, 'use a shorter app name or --run-dir');
  }
  const resolved = resolveSockets(reader.sockets, run, report);
  const group = reader.group ?? (user === undefined ? undefined : primaryGroup(user, context.accounts, whole));
  const sockets = user === undefined || group === undefined ? [] : reader.hostSockets(resolved, { name: user.name, id: user.uid }, group, control);
  if (diagnostics.length > 0 || user === undefined || group === undefined || reader.root === undefined) {
    return { ok: false, diagnostics: sortDiagnostics(diagnostics) };
  }
  return {
    ok: true,
    registration: {
      app, file, user, group, operators: reader.operators ?? null, root: reader.root, umask: reader.umask,
      passEnv: reader.passEnv, limits: reader.limits, sockets,
    },
  };
}

function primaryGroup(user: UserAccount, accounts: Accounts, whole: (message: string, hint: string | null) => void): NamedId | undefined {
  const found = accounts.groupById(user.gid);
  if (user.gid === 0) {
    whole(`the primary group of user "${user.name}" is root (gid 0); the app may not run with root's group`, `add group = "${user.name}" (a group that is not root)`);
    return undefined;
  }
  return { name: found?.name ?? String(user.gid), id: user.gid };
}

/** Reads the top-level keys one by one, keeping what each gave. */
class RegistrationReader {
  user: UserAccount | undefined;
  userInvalid = false;
  group: NamedId | undefined;
  operators: NamedId | undefined;
  root: string | undefined;
  rootInvalid = false;
  umask = DEFAULT_UMASK;
  passEnv: string[] = [];
  limits: ResourceLimit[] = [];
  sockets: TomlSocket[] = [];
  private readonly owners = new Map<string, { owner?: Sited<string>; group?: Sited<string> }>();
  private readonly ctx: FieldContext;

  constructor(private readonly accounts: Accounts, private readonly report: FieldContext['report']) {
    this.ctx = { report, where: 'the registration' };
  }

  read(e: TomlEntry): void {
    switch (e.key) {
      case 'user': this.readUser(e); break;
      case 'group': this.group = this.readGroup(e, this.ctx, true); break;
      case 'operators': this.operators = this.readGroup(e, this.ctx, false); break;
      case 'root': this.readRoot(e); break;
      case 'umask': this.umask = readOctalMode(e, this.ctx, '027') ?? DEFAULT_UMASK; break;
      case 'pass_env': this.readPassEnv(e); break;
      case 'limits': this.limits = readLimits(e, this.report); break;
      case 'socket': this.sockets = readSocketTables(e, this.report, [], { keys: SOCKET_OWNER_KEYS, read: (s, k) => this.readOwnerKey(s, k) }); break;
      case 'process':
        this.report(e.keyAt, '[process.*] tables do not belong in a registration', 'processes are the app\'s business: write them in the app\'s muster.toml (under root)');
        break;
      default:
        this.report(e.keyAt, `unknown key "${e.key}" in the registration`, suggestionHint(e.key, REGISTRATION_KEYS));
    }
  }

  private readUser(e: TomlEntry): void {
    const name = readString(e, this.ctx, '"appa"');
    this.userInvalid = true;
    if (name === undefined) return;
    const user = this.accounts.user(name);
    if (user === undefined) {
      this.report(e.node.at, `user "${name}" does not exist (not in /etc/passwd)`, unknownHint(name, this.accounts.userNames(), `create it: useradd --system --no-create-home --shell /usr/sbin/nologin ${name}`));
    } else if (user.uid === 0) {
      this.report(e.node.at, `user "${name}" is root (uid 0): an app never runs as root`, 'create a user for the app (useradd --system NAME) and name it here');
    } else {
      this.user = user;
    }
  }

  /** A group by name; `notRoot`: gid 0 is refused (the group the app's processes run with). */
  private readGroup(e: TomlEntry, ctx: FieldContext, notRoot: boolean): NamedId | undefined {
    const name = readString(e, ctx, '"appa"');
    if (name === undefined) return undefined;
    const group = this.accounts.group(name);
    if (group === undefined) {
      this.report(e.node.at, `${e.key} in ${ctx.where}: group "${name}" does not exist (not in /etc/group)`, unknownHint(name, this.accounts.groupNames(), `create it: groupadd --system ${name}`));
      return undefined;
    }
    if (notRoot && group.gid === 0) {
      this.report(e.node.at, `group "${name}" is root's group (gid 0): an app never runs with it`, 'remove group (the user\'s primary group is used) or name another group');
      return undefined;
    }
    return { name: group.name, id: group.gid };
  }

  private readRoot(e: TomlEntry): void {
    const value = readString(e, this.ctx, '"/srv/appa"');
    this.rootInvalid = true;
    if (value === undefined) return;
    if (!path.isAbsolute(value)) {
      this.report(e.node.at, `root must be an absolute path, got "${value}"`, `write root = "/srv/${value.replace(/^\.?\/*/, '')}"`);
      return;
    }
    this.root = path.resolve(value);
  }

  private readPassEnv(e: TomlEntry): void {
    const example = 'write pass_env = ["TZ", "LANG"]';
    if (e.node.kind !== 'array') {
      this.report(e.node.at, `pass_env in the registration: expected a list of variable names, got ${describeNode(e.node)}`, example);
      return;
    }
    for (const node of e.node.items) {
      if (node.kind !== 'string') {
        this.report(node.at, `pass_env in the registration: expected variable names (strings), got ${describeNode(node)}`, example);
      } else if (!ENV_NAME.test(node.value)) {
        this.report(node.at, `pass_env: "${node.value}" is not a variable name`, 'use letters, digits and "_", not starting with a digit');
      } else if (OWN_VARIABLES.includes(node.value) || OWN_PREFIXES.some((p) => node.value.startsWith(p))) {
        this.report(node.at, `pass_env: ${node.value} is set by muster host itself (from the user's passwd entry, or for the app tier)`,
          `remove "${node.value}"; the app config's env = { ... } can set what its processes see`);
      } else if (this.passEnv.includes(node.value)) {
        this.report(node.at, `pass_env names "${node.value}" twice`, 'remove the repeated name');
      } else {
        this.passEnv.push(node.value);
      }
    }
  }

  private readOwnerKey(socket: string, e: TomlEntry): boolean {
    const value = readString(e, { report: this.report, where: `[socket.${socket}]` }, e.key === 'owner' ? '"appa"' : '"www-data"');
    if (value === undefined) return false;
    const found = this.owners.get(socket) ?? {};
    found[e.key as 'owner' | 'group'] = { value, at: e.node.at };
    this.owners.set(socket, found);
    return true;
  }

  /** Each resolved socket with its owner and group (defaults: the app's user and group). */
  hostSockets(resolved: readonly SocketConfig[], user: NamedId, group: NamedId, control: string): HostSocket[] {
    const sockets: HostSocket[] = [];
    for (const config of resolved) {
      const where = `[socket.${config.name}]`;
      const raw = this.sockets.find((s) => s.name === config.name)!;
      const given = this.owners.get(config.name) ?? {};
      if (config.name === CONTROL_SOCKET_NAME) {
        this.report(raw.at, `${where}: the name "${CONTROL_SOCKET_NAME}" is the app tier's control socket`, 'choose another name, e.g. [socket.web]');
        continue;
      }
      if (config.kind === 'tcp') {
        const key = given.owner ?? given.group;
        if (key !== undefined) this.report(key.at, `${where} is a TCP socket: it has no file, so no owner or group`, 'remove owner and group, or use path = "web.sock" for a unix socket');
        else sockets.push({ config, owner: null, group: null });
        continue;
      }
      const pathAt = raw.endpoint.kind === 'unix' ? raw.endpoint.path.at : raw.at;
      if (config.path === control) {
        this.report(pathAt, `path of ${where} is the app tier's control socket (${control})`, `choose another path, e.g. path = "${config.name}.sock"`);
        continue;
      }
      // Only in the app's own run folder (root's, 0755): elsewhere the socket could land in another
      // app's folder (its control socket's place), in a folder someone else may write (and swap
      // the path between bind and chown), or anywhere "../" leads.
      const runDir = path.dirname(control);
      if (path.dirname(config.path) !== runDir) {
        // The same file name in the run folder, unless that is the control socket's.
        const name = path.basename(config.path) === path.basename(control) ? `${config.name}.sock` : path.basename(config.path);
        this.report(pathAt, `path of ${where} (${config.path}) is not in the app's run folder ${runDir}: the host makes sockets only there, where nobody but root may write`,
          `write path = "${name}" (made as ${path.join(runDir, name)}) and point the web server there`);
        continue;
      }
      const owner = given.owner === undefined ? user : this.ownerUser(given.owner, where);
      const fileGroup = given.group === undefined ? group : this.fileGroup(given.group, where);
      if (owner !== undefined && fileGroup !== undefined) sockets.push({ config, owner, group: fileGroup });
    }
    return sockets;
  }

  private ownerUser(owner: Sited<string>, where: string): NamedId | undefined {
    const user = this.accounts.user(owner.value);
    if (user === undefined) {
      this.report(owner.at, `owner in ${where}: user "${owner.value}" does not exist (not in /etc/passwd)`, unknownHint(owner.value, this.accounts.userNames(), 'name an existing user, or remove owner (the app\'s user)'));
      return undefined;
    }
    return { name: user.name, id: user.uid };
  }

  private fileGroup(group: Sited<string>, where: string): NamedId | undefined {
    const found = this.accounts.group(group.value);
    if (found === undefined) {
      this.report(group.at, `group in ${where}: group "${group.value}" does not exist (not in /etc/group)`, unknownHint(group.value, this.accounts.groupNames(), `create it: groupadd --system ${group.value}, and add the web server's user: usermod -aG ${group.value} www-data`));
      return undefined;
    }
    return { name: found.name, id: found.gid };
  }
}

function unknownHint(name: string, known: readonly string[], otherwise: string): string {
  const near = closest(name, known, 1);
  return near.length > 0 ? `did you mean "${near[0]}"? Otherwise ${otherwise}` : otherwise;
}
