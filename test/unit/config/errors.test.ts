// One test per kind of config error: the formatted message names the file, the line (and column)
// and what to write instead.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { errorText } from './app-fixture';

const PROCFILE = 'web: python3 app.py\nworker: python3 worker.py\n';

/** Exactly one problem, and it matches `expected`. */
function only(toml: string, expected: RegExp, extra: Record<string, string> = {}): void {
  const shown = errorText({ Procfile: PROCFILE, 'muster.toml': toml, ...extra });
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, expected);
}

test('missing files: names both and how to create one', () => {
  const shown = errorText({});
  assert.equal(shown.length, 1);
  assert.match(shown[0]!, /^Procfile: no Procfile or muster\.toml in \/.*\n  hint: create a Procfile with lines like "web: python3 app\.py", or a muster\.toml/);
});

test('TOML syntax error has its line and column', () => {
  only('[process.web]\nrestart = "never"\nstop_signal = TERM\n', /^muster\.toml:3:\d+: TOML syntax error: .*\n  hint: .*strings need quotes/);
});

test('unknown key in a process table suggests the nearest key', () => {
  only('[process.web]\nrestart = "never"\n\n\n\n\nstop_timout = "30s"\n',
    /^muster\.toml:7:1: unknown key "stop_timout" in \[process\.web\]\n  hint: did you mean "stop_timeout"\?$/);
});

test('unknown top-level key, and a top-level table that is not process', () => {
  only('proces = 1\n', /^muster\.toml:1:1: unknown key "proces" at the top level of muster\.toml\n  hint: did you mean "process"\?/);
  only('[web]\ncommand = "x"\n', /^muster\.toml:1:2: unknown key "web" at the top level of muster\.toml\n  hint: processes go under \[process\.web\]/);
});

test('[deploy] is reserved: not supported yet', () => {
  only('[deploy]\nbefore_switch = ["x"]\n', /^muster\.toml:1:2: \[deploy\] is not supported yet\n  hint: remove the \[deploy\] table/);
});

test('host registration keys are refused, at the top level and in a process', () => {
  only('user = "www"\n', /^muster\.toml:1:1: "user" in the top level: this belongs to the host registration \(\/etc\/muster\/apps\/<app>\.toml\), not the app config\n  hint: remove "user"/);
  only('[process.web]\numask = "027"\n', /^muster\.toml:2:1: "umask" in \[process\.web\]: this belongs to the host registration/);
  for (const key of ['root = "/srv"', 'pass_env = ["TZ"]', 'operators = "ops"', 'uid = 0', '[limits]\nnofile = 10']) {
    const name = key.replace(/^\[?(\w+).*$/s, '$1');
    only(`${key}\n`, new RegExp(`^muster\\.toml:1:\\d+: "${name}" in the top level: this belongs to the host registration`));
  }
});

test('wrong type: duration given as a bare number', () => {
  only('[process.web]\nstop_timeout = 30\n',
    /^muster\.toml:2:16: stop_timeout in \[process\.web\]: expected a duration string like "30s", got the integer 30\n  hint: write "30s"/);
});

test('bad duration string', () => {
  only('[process.web]\nrestart_window = "5 minutes"\n', /^muster\.toml:2:18: restart_window in \[process\.web\]: "5 minutes" is not a duration\n  hint: write "500ms", "30s"/);
  only('[process.web]\nstop_timeout = "30"\n', /hint: add a unit: "30s"/);
});

test('unknown signal lists close names; SIGSTOP refused as stop signal; SIGKILL allowed', () => {
  only('[process.web]\nstop_signal = "TREM"\n', /^muster\.toml:2:15: stop_signal in \[process\.web\]: unknown signal "TREM"\n  hint: did you mean "TERM"/);
  only('[process.web]\nstop_signal = "STOP"\n', /^muster\.toml:2:15: stop_signal in \[process\.web\] cannot be SIGSTOP: a stopped process never exits\n  hint: write stop_signal = "TERM"/);
  only('[process.web]\nreload_signal = "kill"\n', /reload_signal in \[process\.web\] cannot be SIGKILL/);
  assert.throws(() => only('[process.web]\nstop_signal = "KILL"\n', /x/), /expected diagnostics/);
});

test('choice keys list the choices', () => {
  only('[process.web]\nrestart = "sometimes"\n', /^muster\.toml:2:11: restart in \[process\.web\]: "sometimes" is not one of "always", "on-failure", "never"\n  hint: write restart = "always"/);
  only('[process.web]\nstop_scope = 1\n', /stop_scope in \[process\.web\]: expected one of "main", "group", got the integer 1/);
});

test('integers: range and quoted numbers', () => {
  only('[process.worker]\ninstances = 0\n', /^muster\.toml:2:13: instances in \[process\.worker\] must be from 1 to 1000, got 0\n  hint: write instances = 1/);
  only('[process.worker]\ninstances = "2"\n', /expected an integer from 1 to 1000, got the string "2"\n  hint: remove the quotes: instances = 2/);
  only('[process.worker]\nmax_restarts = -1\n', /max_restarts in \[process\.worker\] must be from 0/);
});

test('env values must be strings: numbers and booleans get a hint to quote them', () => {
  only('[process.web]\nenv = { DEBUG = true }\n', /^muster\.toml:2:17: env DEBUG in \[process\.web\]: expected a string, got the boolean true\n  hint: quote it: DEBUG = "true"/);
  only('[process.web.env]\nWORKERS = 4\n', /^muster\.toml:2:11: env WORKERS .*got the integer 4\n  hint: quote it: WORKERS = "4"/);
});

test('env_file: a missing file is reported at the key; errors inside name that file', () => {
  only('[process.web]\nenv_file = "missing.env"\n', /^muster\.toml:2:12: env_file "missing\.env" of \[process\.web\] does not exist.*\n  hint: create the file, or fix the path/);
  only('[process.web]\nenv_file = ["config/web.env"]\n', /^config\/web\.env:2:1: line is not KEY=value: "OOPS"/, { 'config/web.env': 'A=1\nOOPS\n' });
});

test('ready: no probe, two probes, bad regex, bad URL, unknown key', () => {
  only('[process.web]\nready = { timeout = "5s" }\n', /^muster\.toml:2:1: ready in \[process\.web\] names no probe\n  hint: write ready = \{ connect/);
  only('[process.web]\nready = { connect = "a.sock", http = "http://x/" }\n', /^muster\.toml:2:31: ready in \[process\.web\] has both "connect" and "http"\n  hint: keep exactly one/);
  only('[process.web]\nready = { log = "listening (on" }\n', /^muster\.toml:2:17: log in the ready table of \[process\.web\]: invalid regular expression: .*Unterminated group\n  hint: fix the pattern/);
  only('[process.web]\nready = { http = "/health" }\n', /http in the ready table of \[process\.web\]: "\/health" is not a URL\n  hint: write the whole URL: "http:\/\/127\.0\.0\.1:5000\/health"/);
  only('[process.web]\nready = { conect = "a.sock" }\n', /unknown key "conect" in the ready table of \[process\.web\]\n  hint: did you mean "connect"\?/);
});

test('depends_on: unknown name with suggestion, self, cycle shown as a path', () => {
  only('[process.web]\ndepends_on = ["wroker"]\n', /^muster\.toml:2:15: depends_on of \[process\.web\] names "wroker", which is not a process\n  hint: did you mean "worker"\?/);
  only('[process.web]\ndepends_on = ["web"]\n', /^muster\.toml:2:15: process "web" depends on itself\n  hint: remove "web" from its depends_on/);
  only('[process.web]\ndepends_on = ["worker"]\n[process.worker]\ndepends_on = { web = "started" }\n',
    /^muster\.toml:2:1: dependency cycle: web -> worker -> web\n  hint: remove one of these dependencies/);
});

test('depends_on conditions: "ready" needs a probe, "succeeded" needs a process that may finish', () => {
  only('[process.web]\ndepends_on = { worker = "ready" }\n', /"worker" has no ready probe\n  hint: add ready = \{ \.\.\. \} to \[process\.worker\], or write worker = "started"/);
  only('[process.web]\ndepends_on = { worker = "succeeded" }\n', /"worker" has restart = "always"\n  hint: set restart = "never"/);
  only('[process.web]\ndepends_on = { worker = "done" }\n', /"done" is not one of "started", "ready", "succeeded"/);
});

test('command in both the Procfile and muster.toml names both places', () => {
  only('[process.web]\ncommand = "gunicorn app"\n', /^muster\.toml:2:11: process "web" has a command both here and in Procfile \(line 1\)\n  hint: keep one/);
});

test('a [process.NAME] without any command', () => {
  only('[process.redis]\nrestart = "never"\n', /^muster\.toml:1:10: \[process\.redis\] has no command\n  hint: add command = "\.\.\." to \[process\.redis\], or a line "redis: <command>" to the Procfile/);
});

test('invalid process name in muster.toml', () => {
  only('[process."web.2"]\ncommand = "x"\n', /^muster\.toml:1:10: \[process\.web\.2\]: invalid process name "web\.2"\n  hint: .*dots separate/);
});

test('cwd that is not a folder', () => {
  only('[process.web]\ncwd = "nope"\n', /^muster\.toml:2:7: cwd "nope" of \[process\.web\] is not a folder.*\n  hint: create the folder/);
});

test('all problems of all files at once, in file order', () => {
  const shown = errorText({
    Procfile: 'web python3 app.py\nworker: w\n',
    '.env': 'A B=1\n',
    'muster.toml': '[process.worker]\nstop_timout = "1s"\ninstances = 0\n',
  });
  assert.deepEqual(shown.map((s) => s.split(':').slice(0, 2).join(':')), ['Procfile:1', '.env:1', 'muster.toml:2', 'muster.toml:3']);
});

test('a duration longer than Node can time is refused, not turned into an instant SIGKILL', () => {
  only('[process.web]\nstop_timeout = "800h"\n', /^muster\.toml:2:16: stop_timeout in \[process\.web\] is too long: "800h" \(at most 24 days\)\n  hint: write "24d" or less/);
});

test('a process name longer than 64 characters names its line', () => {
  const long = 'w'.repeat(65);
  const shown = errorText({ Procfile: `${long}: python3 app.py\n` });
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, /^Procfile:1:1: process name "w{20}\.\.\." is 65 characters long\n  hint: use at most 64 characters/);
});

test('TOML syntax errors get a hint that fits them', () => {
  only('[process.web]\nrestart = "never"\nrestart = "always"\n', /^muster\.toml:3:\d+: TOML syntax error: Defining a key multiple times is invalid\n  hint: each key may appear once per table/);
  only('[process.web]\ncommand = "x\n', /^muster\.toml:2:\d+: TOML syntax error: Unterminated string constant\n  hint: close the string with the same quote/);
});

test('a command of the wrong type is reported once, not also as "has no command"', () => {
  const shown = errorText({ 'muster.toml': '[process.web]\ncommand = 42\n' });
  assert.equal(shown.length, 1, shown.join('\n'));
  assert.match(shown[0]!, /^muster\.toml:2:11: command in \[process\.web\]: expected a string, got the integer 42\n  hint: write command = "python3 app\.py"/);
});
