// [socket.NAME] tables and `sockets = [...]` in processes: resolved values with their defaults, and
// one check per problem with its file, line, column, message and hint.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { runConfigCommand } from '../../../src/cli/config-command';
import { DEFAULTS } from '../../../src/config/model';
import { errorText, loadOk, makeApp, proc } from './app-fixture';

const PROCFILE = 'web: python3 app.py\nworker: python3 worker.py\n';

/** Exactly one problem, and it matches `expected`. */
function only(toml: string, expected: RegExp, extra: Record<string, string> = {}): void {
  const shown = errorText({ Procfile: PROCFILE, 'muster.toml': toml, ...extra });
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, expected);
}

test('a unix and a TCP socket, resolved with their defaults; a process lists them in order', () => {
  const config = loadOk({
    Procfile: PROCFILE,
    'muster.toml': [
      '[socket.http]',
      'path = "run/web.sock"',
      '[socket.api]',
      'address = "127.0.0.1:8000"',
      '[process.web]',
      'sockets = ["api", "http"]',
    ].join('\n'),
  });
  assert.deepEqual(config.sockets, [
    { name: 'http', kind: 'unix', path: path.join(config.root, 'run/web.sock'), mode: DEFAULTS.socketMode, backlog: DEFAULTS.socketBacklog },
    { name: 'api', kind: 'tcp', host: '127.0.0.1', port: 8000, backlog: DEFAULTS.socketBacklog },
  ]);
  assert.equal(DEFAULTS.socketMode, 0o660);
  assert.equal(DEFAULTS.socketBacklog, 1024);
  assert.deepEqual(proc(config, 'web').sockets, ['api', 'http']);
  assert.deepEqual(proc(config, 'worker').sockets, [], 'a Procfile process without a toml table gets no sockets');
});

test('mode, backlog, IPv6, a single name as a string, an absolute path, and an unused socket', () => {
  const config = loadOk({
    Procfile: PROCFILE,
    'muster.toml': [
      '[socket.private]',
      'path = "/run/shop/private.sock"',
      'mode = "600"',
      'backlog = 16',
      '[socket.v6]',
      'address = "[::1]:8443"',
      'backlog = 65535',
      '[socket.spare]',
      'path = "spare.sock"',
      'mode = "0666"',
      '[process.worker]',
      'sockets = "private"',
    ].join('\n'),
  });
  assert.deepEqual(config.sockets.map((s) => s.name), ['private', 'v6', 'spare']);
  assert.deepEqual(config.sockets[0], { name: 'private', kind: 'unix', path: '/run/shop/private.sock', mode: 0o600, backlog: 16 });
  assert.deepEqual(config.sockets[1], { name: 'v6', kind: 'tcp', host: '::1', port: 8443, backlog: 65535 });
  assert.equal(config.sockets[2]!.kind === 'unix' && config.sockets[2]!.mode, 0o666);
  assert.deepEqual(proc(config, 'worker').sockets, ['private']);
  assert.deepEqual(proc(config, 'web').sockets, []);
});

test('path XOR address: both, or neither, is an error naming the table', () => {
  only('[socket.http]\npath = "run/web.sock"\naddress = "127.0.0.1:8000"\n',
    /^muster\.toml:3:1: \[socket\.http\] has both path and address\n  hint: keep one: path = "run\/web\.sock" for a unix socket, or address = "127\.0\.0\.1:8000" for TCP$/);
  only('[socket.http]\nbacklog = 10\n',
    /^muster\.toml:1:9: \[socket\.http\] has neither path nor address\n  hint: add path = "run\/http\.sock" \(a unix socket, relative to the app folder\) or address = "127\.0\.0\.1:8000" \(TCP\)$/);
});

test('mode: an octal string of 3 or 4 digits, at most 0777; an integer gets the hint to quote it', () => {
  only('[socket.http]\npath = "a.sock"\nmode = 660\n',
    /^muster\.toml:3:8: mode in \[socket\.http\]: expected an octal string like "0660", got the integer 660\n  hint: quote it: mode = "0660"$/);
  only('[socket.http]\npath = "a.sock"\nmode = "0888"\n',
    /^muster\.toml:3:8: mode in \[socket\.http\]: "0888" is not an octal mode of 3 or 4 digits\n  hint: write mode = "0660"/);
  only('[socket.http]\npath = "a.sock"\nmode = "66"\n', /"66" is not an octal mode of 3 or 4 digits/);
  only('[socket.http]\npath = "a.sock"\nmode = "0o660"\n', /hint: write the digits only: mode = "0660"/);
  only('[socket.http]\npath = "a.sock"\nmode = "4755"\n',
    /^muster\.toml:3:8: mode in \[socket\.http\] must be at most 0777, got "4755"\n  hint: setuid, setgid and sticky bits mean nothing on a socket: write mode = "0755"$/);
  only('[socket.http]\npath = "a.sock"\nmode = true\n', /mode in \[socket\.http\]: expected an octal string like "0660", got the boolean true\n  hint: write mode = "0660"/);
});

test('mode on a TCP socket is an error', () => {
  only('[socket.api]\naddress = "127.0.0.1:8000"\nmode = "0660"\n',
    /^muster\.toml:3:1: mode in \[socket\.api\]: a TCP socket has no file mode\n  hint: remove mode, or use path = /);
});

test('backlog: an integer from 1 to 65535', () => {
  only('[socket.http]\npath = "a.sock"\nbacklog = 0\n',
    /^muster\.toml:3:11: backlog in \[socket\.http\] must be from 1 to 65535, got 0\n  hint: write backlog = 1$/);
  only('[socket.http]\npath = "a.sock"\nbacklog = 100000\n', /must be from 1 to 65535, got 100000\n  hint: write backlog = 65535$/);
  only('[socket.http]\npath = "a.sock"\nbacklog = "1024"\n', /backlog in \[socket\.http\]: expected an integer from 1 to 65535, got the string "1024"\n  hint: remove the quotes: backlog = 1024/);
  only('[socket.http]\npath = "a.sock"\nbacklog = 1.5\n', /hint: write backlog = 1024$/);
});

test('owner, group and user in a socket table belong to the host registration', () => {
  for (const key of ['owner', 'group', 'user']) {
    only(`[socket.http]\npath = "a.sock"\n${key} = "www-data"\n`,
      new RegExp(`^muster\\.toml:3:1: "${key}" in \\[socket\\.http\\]: this belongs to the host registration \\(/etc/muster/apps/<app>\\.toml\\), not the app config\\n  hint: remove "${key}" here and ask the host's administrator`));
  }
});

test('unknown keys in a socket table suggest the nearest one', () => {
  only('[socket.http]\npaht = "a.sock"\n', /^muster\.toml:2:1: unknown key "paht" in \[socket\.http\]\n  hint: did you mean "path"\?$/);
});

test('addresses: host:port, port 1..65535, IPv6 in brackets', () => {
  const cases: Array<[string, RegExp]> = [
    ['8000', /"8000" has no host\n  hint: write address = "127\.0\.0\.1:8000" \(or "0\.0\.0\.0:8000" for every interface\)/],
    ['::1:8000', /"::1:8000" has no port \(an IPv6 address goes in brackets, before the port\)\n  hint: write address = "\[::1\]:8000"/],
    ['fe80::1:2:3', /has no port .*\n  hint: write address = "\[fe80::1:2\]:3"/],
    ['1:2:3', /"1:2:3" is not host:port\n  hint: write an IPv6 address in brackets: address = "\[::1\]:8000"/],
    ['127.0.0.1', /"127\.0\.0\.1" has no port\n  hint: write address = "127\.0\.0\.1:8000"/],
    ['127.0.0.1:0', /port 0 \(any free port\) cannot be held.*\n  hint: use a fixed port from 1 to 65535/],
    ['127.0.0.1:70000', /port 70000 is out of range/],
    ['[nope]:80', /"nope" is not an IP address or a host name/],
    [':8000', /"" is not an IP address or a host name\n  hint: write address = "127\.0\.0\.1:8000"/],
    ['run/api.sock', /is not host:port\n  hint: a unix socket uses path = "run\/web\.sock" instead of address/],
  ];
  for (const [address, expected] of cases) {
    only(`[socket.api]\naddress = "${address}"\n`, new RegExp(`^muster\\.toml:2:11: address in \\[socket\\.api\\]: .*${expected.source}`));
  }
  assert.deepEqual(loadOk({ Procfile: PROCFILE, 'muster.toml': '[socket.api]\naddress = "localhost:8000"\n' }).sockets[0],
    { name: 'api', kind: 'tcp', host: 'localhost', port: 8000, backlog: 1024 });
});

test('a unix path longer than 107 bytes once resolved is an error with its length', () => {
  const long = `run/${'a'.repeat(100)}.sock`;
  const shown = errorText({ Procfile: PROCFILE, 'muster.toml': `[socket.http]\npath = "${long}"\n` });
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, /^muster\.toml:2:8: path of \[socket\.http\] is (\d+) bytes long once resolved \(\/.*\); a unix socket path can have at most 107\n  hint: use a shorter path, such as path = "run\/http\.sock" \(the app folder alone takes \d+ bytes\)/);
  const bytes = Number(/is (\d+) bytes/.exec(shown[0]!)![1]);
  assert.ok(bytes > 107);
});

test('two sockets with the same path or the same address', () => {
  only('[socket.a]\npath = "run/x.sock"\n[socket.b]\npath = "./run/../run/x.sock"\n',
    /^muster\.toml:4:8: \[socket\.b\] has the same path as \[socket\.a\]: \/.*\/run\/x\.sock\n  hint: give each socket its own; to share one socket, list it in the sockets of every process that needs it$/);
  only('[socket.a]\naddress = "127.0.0.1:8000"\n[socket.b]\naddress = "127.0.0.1:8000"\n',
    /^muster\.toml:4:11: \[socket\.b\] has the same address as \[socket\.a\]: 127\.0\.0\.1:8000\n  hint: give each socket its own/);
  only('[socket.a]\naddress = "0.0.0.0:8000"\n[socket.b]\naddress = "127.0.0.1:8000"\n',
    /^muster\.toml:4:11: \[socket\.b\] address 127\.0\.0\.1:8000 overlaps \[socket\.a\] \(0\.0\.0\.0:8000\): both cannot be bound/);
  // Different ports, or IPv4 beside IPv6 loopback, are fine.
  const ok = loadOk({ Procfile: PROCFILE, 'muster.toml': '[socket.a]\naddress = "127.0.0.1:8000"\n[socket.b]\naddress = "127.0.0.1:8001"\n[socket.c]\naddress = "[::1]:8000"\n' });
  assert.equal(ok.sockets.length, 3);
});

test('socket names follow the process name rules; "socket" must hold tables', () => {
  only('[socket."web.2"]\npath = "a.sock"\n', /^muster\.toml:1:9: \[socket\.web\.2\]: invalid socket name "web\.2"\n  hint: .*dots separate the instance number.*"web-2"/);
  only('[socket."a:b"]\npath = "a.sock"\n', /invalid socket name "a:b"/);
  only('socket = "run/web.sock"\n', /^muster\.toml:1:10: "socket" must be a table of sockets, got the string "run\/web\.sock"\n  hint: write \[socket\.web\] followed by path = /);
  only('[socket]\nweb = "run/web.sock"\n', /^muster\.toml:2:7: socket\.web must be a table, got the string "run\/web\.sock"\n  hint: write \[socket\.web\] followed by path = "run\/web\.sock"/);
  only('sockets = ["web"]\n', /^muster\.toml:1:1: unknown key "sockets" at the top level of muster\.toml\n  hint: did you mean "socket"\?/);
});

test('process sockets: unknown names suggest the declared ones; a name twice; not a string', () => {
  const declared = '[socket.http]\npath = "a.sock"\n[socket.admin]\npath = "b.sock"\n';
  only(`${declared}[process.web]\nsockets = ["htp"]\n`,
    /^muster\.toml:6:12: sockets of \[process\.web\] names "htp", which is not a socket\n  hint: did you mean "http"\?$/);
  only(`${declared}[process.web]\nsockets = ["zzzzzz"]\n`, /hint: sockets: "http", "admin"$/);
  only('[process.web]\nsockets = ["http"]\n',
    /^muster\.toml:2:12: sockets of \[process\.web\] names "http", which is not a socket\n  hint: declare it: \[socket\.http\] with path = "run\/http\.sock" \(or address = "127\.0\.0\.1:8000"\)$/);
  only(`${declared}[process.web]\nsockets = ["http", "admin", "http"]\n`,
    /^muster\.toml:6:29: sockets of \[process\.web\] names "http" twice\n  hint: remove the repeated name/);
  only(`${declared}[process.web]\nsockets = [3]\n`,
    /^muster\.toml:6:12: sockets in \[process\.web\]: expected socket names \(strings\), got the integer 3\n  hint: write sockets = \["web"\]/);
});

test('a process naming a broken socket is reported once, at the socket', () => {
  only('[socket.http]\npath = "a.sock"\naddress = "127.0.0.1:1"\n[process.web]\nsockets = ["http"]\n', /\[socket\.http\] has both path and address/);
});

test('a connect probe on a socket muster holds is an error: it would always succeed', () => {
  only('[socket.http]\npath = "run/web.sock"\n[process.web]\nsockets = ["http"]\nready = { connect = "run/web.sock" }\n',
    /^muster\.toml:5:21: ready in \[process\.web\]: connect to \/.*\/run\/web\.sock is \[socket\.http\], which muster holds for this process; the connection would always succeed, since the kernel queues it in the socket's backlog even before the program runs\n  hint: use ready = \{ log = "<a line it prints once it serves>" \}/);
  // The probe resolves against the process's cwd, the socket against the app folder: same file.
  only('[socket.http]\npath = "run/web.sock"\n[process.web]\ncwd = "backend"\nsockets = ["http"]\nready = { connect = "../run/web.sock" }\n',
    /^muster\.toml:6:21: ready in \[process\.web\]: connect to .* is \[socket\.http\]/, { 'backend/.keep': '' });
  only('[socket.api]\naddress = "127.0.0.1:8000"\n[process.web]\nsockets = ["api"]\nready = { connect = "127.0.0.1:8000" }\n',
    /^muster\.toml:5:21: ready in \[process\.web\]: connect to 127\.0\.0\.1:8000 is \[socket\.api\], which muster holds for this process; .*\n  hint: use ready = \{ http = "http:\/\/127\.0\.0\.1:8000\/health" \} \(a path the program answers\) or ready = \{ log = /);
  // A wildcard socket takes the loopback connection too.
  only('[socket.api]\naddress = "0.0.0.0:8000"\n[process.web]\nsockets = ["api"]\nready = { connect = "localhost:8000" }\n',
    /connect to 0\.0\.0\.0:8000 is \[socket\.api\].*\n  hint: use ready = \{ http = "http:\/\/127\.0\.0\.1:8000\/health" \}/);
  // Another process probing a held socket learns nothing either.
  only('[socket.api]\naddress = "127.0.0.1:8000"\n[process.web]\nsockets = ["api"]\n[process.worker]\nready = { connect = "127.0.0.1:8000" }\n',
    /^muster\.toml:6:21: ready in \[process\.worker\]: connect to 127\.0\.0\.1:8000 is \[socket\.api\], which muster holds; /);
});

test('connect probes on other targets are fine', () => {
  const config = loadOk({
    Procfile: PROCFILE,
    'muster.toml': '[socket.http]\npath = "run/web.sock"\n[process.web]\nsockets = ["http"]\nready = { connect = "run/other.sock" }\n' +
      '[process.worker]\nready = { connect = "127.0.0.1:6379" }\n',
  });
  assert.equal(proc(config, 'web').ready?.kind, 'connect');
});

function run(dir: string, json: boolean) {
  let out = '';
  let err = '';
  const code = runConfigCommand({ dir, json, out: (s) => { out += s; }, err: (s) => { err += s; }, environ: {} });
  return { code, out, err };
}

const SOCKET_APP = {
  Procfile: PROCFILE,
  'muster.toml': '[socket.http]\npath = "run/web.sock"\nmode = "0600"\n[socket.api]\naddress = "[::1]:8000"\nbacklog = 64\n[process.web]\nsockets = ["http", "api"]\n',
};

test('muster config --json: the sockets, and each process\'s sockets list', () => {
  const dir = makeApp(SOCKET_APP);
  const { code, out, err } = run(dir, true);
  assert.equal(code, 0, err);
  const parsed = JSON.parse(out);
  assert.deepEqual(parsed.sockets, {
    http: { kind: 'unix', path: path.join(dir, 'run/web.sock'), mode: '0600', backlog: 1024 },
    api: { kind: 'tcp', host: '::1', port: 8000, backlog: 64 },
  });
  assert.deepEqual(parsed.processes.web.sockets, ['http', 'api']);
  assert.deepEqual(parsed.processes.worker.sockets, []);
});

test('muster config (human): the sockets, and the fds each process gets', () => {
  const dir = makeApp(SOCKET_APP);
  const { code, out } = run(dir, false);
  assert.equal(code, 0);
  assert.match(out, /^sockets \(held by muster\)$/m);
  assert.ok(out.includes(`  http           unix ${path.join(dir, 'run/web.sock')}, mode 0600, backlog 1024\n`), out);
  assert.ok(out.includes('  api            tcp [::1]:8000, backlog 64\n'), out);
  assert.match(out, /^  sockets        http \(fd 3\), api \(fd 4\)$/m);
  assert.match(out, /^  sockets        -$/m);
});
