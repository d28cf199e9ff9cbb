// A registration file (/etc/muster/apps/<app>.toml) -> the AuditedApp the checks take. This reads
// only the keys of the host contract the audit needs (user, group, operators, root, [socket.NAME]
// path/group/mode) with src/config's TOML parser; it does not validate the rest: that is the host
// tier's job, and an audit should look at a half-broken registration rather than refuse it.
import * as path from 'node:path';
import { formatDiagnostic } from '../config/diagnostics';
import { Located, TomlNode, TomlTable, describeNode, parseTomlTree } from '../config/toml';
import { AuditedApp, AuditedSocket } from './model';

/** `problems` on success: what was read with a default instead (a socket mode that is not octal). */
export type RegistrationRead =
  | { readonly ok: true; readonly app: AuditedApp; readonly problems: readonly string[] }
  | { readonly ok: false; readonly problems: readonly string[] };

export const DEFAULT_SOCKET_MODE = 0o660;

export function readRegistration(text: string, file: string, name: string, runDir: string): RegistrationRead {
  const parsed = parseTomlTree(text, file);
  // One line: a finding's message has no room for the diagnostic's indented hint line.
  if (!parsed.ok) return { ok: false, problems: [formatDiagnostic(parsed.diagnostic).replace(/\n\s*hint: /, ' (hint: ') + (parsed.diagnostic.hint === null ? '' : ')')] };
  const problems: string[] = [];
  const where = (at: Located) => `${file}:${at.line}:${at.column}`;
  const str = (table: TomlTable, key: string, prefix = ''): string | null => {
    const entry = table.entries.get(key);
    if (entry === undefined) return null;
    if (entry.node.kind === 'string') return entry.node.value;
    problems.push(`${where(entry.node.at)}: ${prefix}${key} should be a string, got ${describeNode(entry.node)}`);
    return null;
  };
  const user = str(parsed.root, 'user');
  const root = str(parsed.root, 'root');
  if (user === null || user === '') problems.push(`${file}: user is missing`);
  if (root === null || !path.isAbsolute(root)) problems.push(`${file}: root is ${root === null ? 'missing' : `not absolute (${root})`}`);
  const sockets = readSockets(parsed.root.entries.get('socket')?.node, path.join(runDir, name), problems, where, str);
  if (user === null || user === '' || root === null || !path.isAbsolute(root)) return { ok: false, problems };
  const group = str(parsed.root, 'group');
  const operators = str(parsed.root, 'operators');
  return { ok: true, app: { name, registration: file, user, group, operators, root: path.normalize(root), sockets }, problems };
}

function readSockets(
  node: TomlNode | undefined,
  runFolder: string,
  problems: string[],
  where: (at: Located) => string,
  str: (table: TomlTable, key: string, prefix?: string) => string | null,
): AuditedSocket[] {
  if (node === undefined || node.kind !== 'table') return [];
  const sockets: AuditedSocket[] = [];
  for (const entry of node.entries.values()) {
    if (entry.node.kind !== 'table') continue;
    const prefix = `[socket.${entry.key}] `;
    const socketPath = str(entry.node, 'path', prefix);
    if (socketPath === null) continue; // a TCP socket (address): no file to audit
    const modeText = str(entry.node, 'mode', prefix);
    let mode = DEFAULT_SOCKET_MODE;
    if (modeText !== null) {
      if (/^[0-7]{3,4}$/.test(modeText.trim())) mode = parseInt(modeText.trim(), 8);
      else problems.push(`${where(entry.node.entries.get('mode')!.node.at)}: ${prefix}mode "${modeText}" is not octal; audited against 0660`);
    }
    sockets.push({ name: entry.key, path: path.resolve(runFolder, socketPath), group: str(entry.node, 'group', prefix), mode });
  }
  return sockets;
}
