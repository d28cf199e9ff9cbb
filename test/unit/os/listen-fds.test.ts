// Reading the sockets a host tier (or systemd) passed: LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readListenFds } from '../../../src/os/listen-fds';
import { decodeAddress } from '../../../src/os/proc-net';

test('muster-control and the app sockets, fd 3 onwards, in the order named', () => {
  assert.deepEqual(readListenFds({ LISTEN_PID: '42', LISTEN_FDS: '3', LISTEN_FDNAMES: 'muster-control:web:api' }, 42), {
    kind: 'inherited',
    control: { name: 'muster-control', fd: 3 },
    sockets: [{ name: 'web', fd: 4 }, { name: 'api', fd: 5 }],
  });
});

test('nothing passed, or passed to another process: none, with the reason', () => {
  assert.deepEqual(readListenFds({}, 42), { kind: 'none', why: 'LISTEN_PID and LISTEN_FDS are not set' });
  const other = readListenFds({ LISTEN_PID: '41', LISTEN_FDS: '1', LISTEN_FDNAMES: 'muster-control' }, 42);
  assert.equal(other.kind, 'none');
  assert.match((other as { why: string }).why, /LISTEN_PID is 41, not this process \(pid 42\)/);
});

test('unusable: a bad count, names missing or not matching the count, a name twice, no muster-control', () => {
  const invalid = (env: Record<string, string>) => {
    const r = readListenFds({ LISTEN_PID: '42', ...env }, 42);
    assert.equal(r.kind, 'invalid', JSON.stringify(r));
    return (r as { message: string }).message;
  };
  assert.match(invalid({ LISTEN_FDS: 'two', LISTEN_FDNAMES: 'a:b' }), /LISTEN_FDS must be a number of sockets, got "two"/);
  assert.match(invalid({ LISTEN_FDS: '2' }), /LISTEN_FDNAMES is not set/);
  assert.match(invalid({ LISTEN_FDS: '2', LISTEN_FDNAMES: 'muster-control' }), /names 1 socket \(muster-control\) but LISTEN_FDS is 2/);
  assert.match(invalid({ LISTEN_FDS: '2', LISTEN_FDNAMES: 'web:web' }), /names "web" twice/);
  assert.match(invalid({ LISTEN_FDS: '1', LISTEN_FDNAMES: 'web' }), /has no muster-control/);
});

test('/proc/net addresses: IPv4 and IPv6 words in host order', () => {
  assert.equal(decodeAddress('0100007F:1F40'), '127.0.0.1:8000');
  assert.equal(decodeAddress('00000000000000000000000001000000:1F40'), '[::1]:8000');
  assert.equal(decodeAddress('00000000000000000000000000000000:0050'), '[::]:80');
});
