// Talking to a running supervisor's control socket from tests: JSON requests, and raw bytes.

import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';

export const controlSocket = (dir: string) => path.join(dir, '.muster', 'control.sock');

export interface Answer {
  readonly status: number;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export function api(dir: string, method: string, urlPath: string, body?: unknown, timeoutMs = 30_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request({ socketPath: controlSocket(dir), method, path: urlPath, headers: data ? { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data) } : {} }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          reject(new Error(`not JSON (status ${res.statusCode}): ${text.slice(0, 200)}`));
        }
      });
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(data);
  });
}

/** Send raw bytes, then read until the server closes (or `waitMs` passes); returns what came back. */
export function raw(dir: string, bytes: Buffer | string, waitMs = 2000, endAfterWrite = false): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(controlSocket(dir));
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(text);
    }, waitMs);
    socket.on('data', (b) => (text += b.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    socket.on('error', () => undefined);
    socket.write(bytes, () => endAfterWrite && socket.end());
  });
}
