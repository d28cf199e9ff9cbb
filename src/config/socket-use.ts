// The process side of held sockets: `sockets = ["http"]` in [process.NAME] (fd 3 onwards, in this
// order), and the one probe that cannot work on them.
import { FieldContext, Report } from './fields';
import { passedList } from './host-sockets';
import { ProcessConfig, SocketConfig } from './model';
import { isHostPort } from './ready';
import { addressesOverlap, formatAddress, parseAddress } from './sockets';
import { closest, suggestionHint } from './suggest';
import { Located, TomlEntry, describeNode } from './toml';
import type { Sited } from './validate';

const EXAMPLE = 'write sockets = ["web"], naming [socket.web]';

/** `sockets = ["http", "admin"]` or `sockets = "http"`: the names, each once, in order. */
export function readProcessSockets(e: TomlEntry, ctx: FieldContext): Sited<string>[] {
  const nodes = e.node.kind === 'array' ? e.node.items : [e.node];
  const names: Sited<string>[] = [];
  for (const node of nodes) {
    if (node.kind !== 'string') {
      ctx.report(node.at, `sockets in ${ctx.where}: expected socket names (strings), got ${describeNode(node)}`, EXAMPLE);
    } else if (names.some((n) => n.value === node.value)) {
      ctx.report(node.at, `sockets of ${ctx.where} names "${node.value}" twice`, 'remove the repeated name: a process gets each socket once');
    } else {
      names.push({ value: node.value, at: node.at });
    }
  }
  return names;
}

/**
 * The names a process lists, checked against the app's sockets. `declared` holds every [socket.NAME]
 * written, including broken ones (already reported): naming one of those is not reported again.
 * Under a host tier, `inherited` are the sockets it passed, and the only ones there are.
 */
export function resolveProcessSockets(
  process: string, listed: readonly Sited<string>[], sockets: readonly SocketConfig[], declared: readonly string[],
  inherited: readonly string[] | undefined, report: Report,
): string[] {
  const names: string[] = [];
  for (const item of listed) {
    if (sockets.some((s) => s.name === item.value) || inherited?.includes(item.value)) {
      names.push(item.value);
    } else if (inherited !== undefined && !declared.includes(item.value)) {
      report(item.at, `sockets of [process.${process}] names "${item.value}", which is not a socket of the host registration`,
        closest(item.value, inherited, 1).length > 0
          ? `did you mean "${closest(item.value, inherited, 1)[0]}"? (${passedList(inherited)})`
          : `${passedList(inherited)}; ask root to add [socket.${item.value}] to the app's registration`);
    } else if (!declared.includes(item.value)) {
      report(item.at, `sockets of [process.${process}] names "${item.value}", which is not a socket`,
        declared.length === 0
          ? `declare it: [socket.${item.value}] with path = "run/${item.value}.sock" (or address = "127.0.0.1:8000")`
          : suggestionHint(item.value, declared, 'sockets'));
    }
  }
  return names;
}

/**
 * A `connect` probe on a socket muster holds always succeeds: muster listens on it from the start,
 * so the kernel accepts the connection into the backlog whether or not the program runs. Returns
 * the socket such a probe targets, or undefined.
 */
export function heldSocketProbed(p: ProcessConfig, sockets: readonly SocketConfig[]): SocketConfig | undefined {
  const ready = p.ready;
  if (ready === null || ready.kind !== 'connect') return undefined;
  if (!isHostPort(ready.target)) return sockets.find((s) => s.kind === 'unix' && s.path === ready.target);
  const target = parseAddress(ready.target);
  if ('problem' in target) return undefined;
  return sockets.find((s) => s.kind === 'tcp' && addressesOverlap(s, target));
}

export function reportHeldSocketProbe(p: ProcessConfig, socket: SocketConfig, at: Located, report: Report): void {
  const shown = socket.kind === 'unix' ? socket.path : formatAddress(socket);
  // Probing 0.0.0.0 or :: works on Linux but reads oddly; the loopback address is what is meant.
  const probeHost = socket.kind === 'tcp' ? { '0.0.0.0': '127.0.0.1', '::': '::1' }[socket.host] ?? socket.host : '';
  const whose = p.sockets.includes(socket.name) ? ', which muster holds for this process' : ', which muster holds';
  report(at, `ready in [process.${p.name}]: connect to ${shown} is [socket.${socket.name}]${whose}; the connection would always succeed, since the kernel queues it in the socket's backlog even before the program runs`,
    socket.kind === 'tcp'
      ? `use ready = { http = "http://${formatAddress({ host: probeHost, port: socket.kind === 'tcp' ? socket.port : 0 })}/health" } (a path the program answers) or ready = { log = "<a line it prints once it serves>" }`
      : 'use ready = { log = "<a line it prints once it serves>" }, or ready = { http = "..." } on a TCP port it also serves');
}
