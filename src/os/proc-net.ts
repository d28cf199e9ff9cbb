// What a socket fd listens on, from /proc/net: an inherited fd comes with no name or address, and
// muster's lines should say where it listens (and refuse one that does not listen at all).

import * as fs from 'node:fs';

export type SocketEndpoint =
  | { readonly kind: 'unix'; readonly path: string; readonly listening: boolean }
  | { readonly kind: 'tcp'; readonly address: string; readonly listening: boolean };

/** __SO_ACCEPTCON in /proc/net/unix's Flags: the socket listens. */
const UNIX_LISTENING = 0x10000;
/** TCP_LISTEN in /proc/net/tcp's st column. */
const TCP_LISTEN = '0A';

/** The endpoint of the socket with this inode (fstat's ino of a socket fd), or null if not found. */
export function socketEndpoint(inode: number): SocketEndpoint | null {
  const ino = String(inode);
  for (const line of readLines('/proc/net/unix')) {
    // Num RefCount Protocol Flags Type St Inode Path
    const f = line.trim().split(/\s+/);
    if (f[6] === ino) return { kind: 'unix', path: f[7] ?? '(unnamed)', listening: (parseInt(f[3] ?? '0', 16) & UNIX_LISTENING) !== 0 };
  }
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readLines(file)) {
      // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
      const f = line.trim().split(/\s+/);
      if (f[9] === ino) return { kind: 'tcp', address: decodeAddress(f[1] ?? ''), listening: f[3] === TCP_LISTEN };
    }
  }
  return null;
}

function readLines(file: string): string[] {
  try {
    return fs.readFileSync(file, 'latin1').split('\n').slice(1).filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

/** "0100007F:1F40" -> "127.0.0.1:8000"; IPv6 as "[::1]:8000". The kernel prints each 32-bit word
 * of the address in host order (little-endian here). */
export function decodeAddress(hex: string): string {
  const [addr = '', portHex = '0'] = hex.split(':');
  const port = parseInt(portHex, 16);
  const words = addr.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => parseInt(b, 16)));
  if (bytes.length === 4) return `${bytes.join('.')}:${port}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  // The first run of zero groups becomes "::" (for reading only: this is not the canonical form).
  const text = groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:{3,}/, '::');
  return `[${text}]:${port}`;
}
