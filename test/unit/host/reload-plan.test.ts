// What a reload of the registrations does to each app: start the new, stop the gone, restart only
// the changed, and never stop a running app because its edited registration is refused.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { formatDiagnostic } from '../../../src/config/diagnostics';
import { Accounts } from '../../../src/host/accounts';
import { parseRegistration, type Registration, type RegistrationSet } from '../../../src/host/registration';
import { planReload, sameRegistration, sameSockets, type Wanted } from '../../../src/host/reload-plan';

const accounts = Accounts.parse(
  ['appa:x:991:991::/home/appa:/bin/sh', 'appb:x:992:992::/home/appb:/bin/sh', 'appc:x:993:993::/home/appc:/bin/sh', 'www-data:x:33:33::/var/www:/usr/sbin/nologin'].join('\n'),
  ['appa:x:991:', 'appb:x:992:', 'appc:x:993:', 'www-data:x:33:', 'ops:x:995:alice'].join('\n'));

function registration(app: string, text: string): Registration {
  const r = parseRegistration(`user = "${app}"\nroot = "/srv/${app}"\n${text}`, `/etc/muster/apps/${app}.toml`, app, { runBase: '/run/muster', accounts });
  if (!r.ok) throw new Error(r.diagnostics.map(formatDiagnostic).join('\n'));
  return r.registration;
}

function refusedOf(app: string, text: string): RegistrationSet['refused'][number] {
  const r = parseRegistration(text, `/etc/muster/apps/${app}.toml`, app, { runBase: '/run/muster', accounts });
  assert.equal(r.ok, false, 'the text is meant to be refused');
  return { app, file: `/etc/muster/apps/${app}.toml`, diagnostics: r.ok ? [] : r.diagnostics };
}

const set = (registrations: Registration[], refused: RegistrationSet['refused'] = []): RegistrationSet => ({ registrations, refused, folderProblem: null });
const kinds = (wanted: Wanted, s: RegistrationSet) => planReload(wanted, s).map((a) => [a.app, a.kind]);

test('from nothing (the host\'s start): every valid app starts, every refused one is refused', () => {
  assert.deepEqual(kinds(new Map(), set([registration('appa', ''), registration('appc', '')], [refusedOf('appb', 'user = "root"\n')])),
    [['appa', 'start'], ['appb', 'refuse'], ['appc', 'start']]);
});

test('the same registrations again (read afresh: equal, not the same objects): nothing changes', () => {
  const wanted = new Map([['appa', registration('appa', 'umask = "007"\n[socket.web]\npath = "web.sock"\n')]]);
  assert.deepEqual(kinds(wanted, set([registration('appa', 'umask = "007"\n[socket.web]\npath = "web.sock"\n')])), [['appa', 'unchanged']]);
});

test('added, removed and changed apps; the unchanged one is left alone', () => {
  const wanted = new Map([['appa', registration('appa', '')], ['appb', registration('appb', '')]]);
  assert.deepEqual(kinds(wanted, set([registration('appa', ''), registration('appb', 'umask = "077"\n'), registration('appc', '')])),
    [['appa', 'unchanged'], ['appb', 'restart'], ['appc', 'start']]);
  assert.deepEqual(kinds(wanted, set([registration('appb', '')])), [['appa', 'remove'], ['appb', 'unchanged']]);
});

test('a running app whose edited registration is refused keeps running with the previous one', () => {
  const wanted = new Map([['appa', registration('appa', '')]]);
  const [action] = planReload(wanted, set([], [refusedOf('appa', 'user = "appa"\nroot = "/srv/appa"\nflavour = "x"\n')]));
  assert.equal(action!.kind, 'keepDespite');
  assert.match(action!.kind === 'keepDespite' ? formatDiagnostic(action!.refused.diagnostics[0]!) : '', /flavour/);
});

test('an app that was refused (wanted null) starts once its registration is valid; still refused: refused again', () => {
  const wanted: Wanted = new Map([['appa', null]]);
  assert.deepEqual(kinds(wanted, set([registration('appa', '')])), [['appa', 'start']]);
  assert.deepEqual(kinds(wanted, set([], [refusedOf('appa', 'user = "nobody-here"\nroot = "/srv/appa"\n')])), [['appa', 'refuse']]);
});

test('the sockets are kept unless what makes them changed: definitions, owners, the app\'s user, group or operators', () => {
  const base = registration('appa', '[socket.web]\npath = "web.sock"\ngroup = "www-data"\n');
  assert.equal(sameSockets(base, registration('appa', 'umask = "077"\n[limits]\nnofile = 4096\n[socket.web]\npath = "web.sock"\ngroup = "www-data"\n')), true);
  assert.equal(sameSockets(base, registration('appa', '[socket.web]\npath = "web.sock"\ngroup = "www-data"\nmode = "0600"\n')), false);
  assert.equal(sameSockets(base, registration('appa', '[socket.web]\npath = "other.sock"\ngroup = "www-data"\n')), false);
  assert.equal(sameSockets(base, registration('appa', 'operators = "ops"\n[socket.web]\npath = "web.sock"\ngroup = "www-data"\n')), false);
  assert.equal(sameSockets(base, registration('appa', '[socket.web]\npath = "web.sock"\ngroup = "www-data"\n[socket.admin]\npath = "admin.sock"\n')), false);
  const changedLimits = registration('appa', '[limits]\nnofile = 4096\n[socket.web]\npath = "web.sock"\ngroup = "www-data"\n');
  assert.equal(sameRegistration(base, changedLimits), false, 'a limit is a change (the tier restarts) though the sockets stay');
  const [action] = planReload(new Map([['appa', base]]), set([changedLimits]));
  assert.deepEqual(action, { kind: 'restart', app: 'appa', registration: changedLimits, keepSockets: true });
});
