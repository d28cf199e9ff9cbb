// A short-lived helper process (started with fork by held-sockets.ts) that creates the app's
// listening sockets and hands them to muster over the IPC channel, then exits.
//
// Why a separate process: listening in libuv always starts accepting, so a socket muster listened
// on itself would take the connections that should wait in the backlog for the app (measured:
// FIELD-NOTES §4, "naive" parent, 52-85 connections taken). A handle received over IPC is not
// listened on by the receiver: muster holds it, never accepts, and passes its fd to children.
// The helper exits with process.exit instead of closing its servers: closing a unix socket server
// in libuv unlinks its path.

import * as fs from 'node:fs';
import * as net from 'node:net';

/** Who a unix socket file belongs to; only the root host tier asks for one. */
export interface SocketOwner {
  readonly uid: number;
  readonly gid: number;
}

/** What muster asks for; see SocketConfig in config/model.ts. */
export type SocketRequest =
  | { readonly name: string; readonly kind: 'unix'; readonly path: string; readonly mode: number; readonly backlog: number; readonly owner?: SocketOwner }
  | { readonly name: string; readonly kind: 'tcp'; readonly host: string; readonly port: number; readonly backlog: number };

/** One answer per socket, in order; a made socket comes with its handle. */
export type SocketAnswer =
  | { readonly name: string; readonly ok: true }
  | { readonly name: string; readonly ok: false; readonly code: string; readonly message: string };

function listen(request: SocketRequest): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.once('listening', () => resolve(server));
    if (request.kind === 'unix') {
      // bind() creates the file with 0777 & ~umask: the final mode from the first moment.
      const previous = process.umask(0o777 & ~request.mode);
      try {
        server.listen({ path: request.path, backlog: request.backlog });
      } finally {
        process.umask(previous);
      }
    } else {
      server.listen({ host: request.host, port: request.port, backlog: request.backlog, exclusive: true });
    }
  });
}

function send(answer: SocketAnswer, handle?: unknown): Promise<void> {
  return new Promise((resolve) => {
    // keepOpen: the handle must stay open here until we exit, or its path would be unlinked.
    if (handle === undefined) process.send!(answer, undefined, {}, () => resolve());
    else process.send!(answer, handle as net.Server, { keepOpen: true }, () => resolve());
  });
}

function main(): void {
  // muster gone (killed while we work): leave at once, or we would keep listening on the app's
  // sockets and every later `muster up` would find them taken. The IPC channel does not tell: once
  // a handle was sent, 'disconnect' waits for an acknowledgement a dead parent never sends. Our
  // stdin is a pipe muster holds and never writes to; it ends when muster's end of it closes.
  process.once('disconnect', () => process.exit(0));
  process.stdin.once('end', () => process.exit(0));
  process.stdin.once('error', () => process.exit(0));
  process.stdin.resume();
  process.once('message', async (requests: SocketRequest[]) => {
    const servers: net.Server[] = [];
    for (const request of requests) {
      try {
        const server = await listen(request);
        servers.push(server);
        // Right after bind, before anyone gets the handle: until now the file was root's with the
        // final mode (never wider), from now on it is the registered owner's. lchown: should the path
        // have been swapped for a link meanwhile, root changes the link, never what it points to.
        if (request.kind === 'unix' && request.owner !== undefined) fs.lchownSync(request.path, request.owner.uid, request.owner.gid);
        // The raw handle, not the net.Server: the receiver then gets a handle it does not listen on.
        await send({ name: request.name, ok: true }, (server as unknown as { _handle: unknown })._handle);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        await send({ name: request.name, ok: false, code: e.code ?? 'ERROR', message: e.message });
      }
    }
    // muster says when it has every handle (or goes away); then we leave without closing anything.
    process.once('message', () => process.exit(0));
  });
}

if (require.main === module) main();
