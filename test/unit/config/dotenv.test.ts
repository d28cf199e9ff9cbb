import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseDotenv } from '../../../src/config/dotenv';
import { errorText, loadOk, proc } from './app-fixture';
import { B17_ENV, B18_ENV } from '../../fixtures/dotenv-cases';


test('B17: # comments, quotes, export prefix and = inside values', () => {
  const config = loadOk({ '.env': B17_ENV, Procfile: 'show: python3 argv.py --wait\n' });
  assert.deepEqual(proc(config, 'show').env, {
    PLAIN: 'bar#baz', SPACED: 'bar', DQ: 'value # not a comment', SQ: 'single # also not', JSON: '{"a":"x#y"}',
    CHANNEL: '#ops', EMPTY: '', EMPTY_COMMENT: '', EXPORTED: 'yes', INDENTED: 'ok', KEY_WITH_EQ: 'a=b=c',
  });
});

test('B17 malformed: .env:3 and .env:5 reported at once, later keys neither shifted nor dropped', () => {
  const lines = B17_ENV.split('\n');
  lines[2] = 'BAD KEY=1';
  lines[4] = 'JUSTAWORD';
  const text = lines.join('\n');
  const shown = errorText({ '.env': text, Procfile: 'show: true\n' });
  assert.equal(shown.length, 2);
  assert.match(shown[0]!, /^\.env:3:1: invalid key "BAD KEY"\n  hint: keys use letters, digits and "_".*"BAD_KEY"/);
  assert.match(shown[1]!, /^\.env:5:1: line is not KEY=value: "JUSTAWORD"\n  hint: write "JUSTAWORD=value", or start the line with "#"/);
  const { values } = parseDotenv(text);
  assert.equal(values.get('JSON'), '{"a":"x#y"}');
  assert.equal(values.get('KEY_WITH_EQ'), 'a=b=c');
  assert.equal(values.get('DQ'), 'value # not a comment');
  assert.ok(!values.has('BAD KEY') && !values.has('JUSTAWORD'));
});


test('B18: multi-line values and backslash escapes', () => {
  const env = proc(loadOk({ '.env': B18_ENV, Procfile: 'show: true' }), 'show').env;
  assert.equal(env.PEM, '-----BEGIN KEY-----\nline2\n-----END KEY-----');
  assert.equal(env.ESC, 'a\nb');
  assert.equal(env.RAW, 'a\\nb');
  assert.equal(env.RAW!.length, 4);
  assert.equal(env.BACKSLASH, 'C:\\new');
  assert.equal(env.BACKSLASH!.length, 6);
  assert.equal(env.TAB, 'x\ty');
  assert.equal(env.AFTER, 'after');
});

test('B18: a CRLF file gives a PEM without \\r', () => {
  const { values, diagnostics } = parseDotenv(B18_ENV.replace(/\n/g, '\r\n'));
  assert.deepEqual(diagnostics, []);
  assert.equal(values.get('PEM'), '-----BEGIN KEY-----\nline2\n-----END KEY-----');
  assert.equal(values.get('AFTER'), 'after');
});

test('B18: an unterminated quote names the line where it starts; later lines are still read', () => {
  const text = 'FIRST=1\nOPEN="abc\nNEXT=2\nLAST=3\n';
  const shown = errorText({ '.env': text, Procfile: 'show: true' });
  assert.equal(shown.length, 1);
  assert.match(shown[0]!, /^\.env:2:6: unterminated double quote in the value of OPEN\n  hint: close the value with "/);
  const { values } = parseDotenv(text);
  assert.deepEqual([...values.keys()], ['FIRST', 'NEXT', 'LAST']);
});

test('.env: text after a closing quote is an error on the closing line', () => {
  const { diagnostics } = parseDotenv('A="x\ny"z\nB=1');
  assert.deepEqual(diagnostics.map((d) => [d.line, d.message]), [[2, 'unexpected text after the closing quote: "z"']]);
  // "#" right after the quote is not a comment either: a comment needs a blank before it
  assert.deepEqual(parseDotenv("J='x'#c\n").diagnostics.map((d) => [d.line, d.message]), [[1, 'unexpected text after the closing quote: "#c"']]);
});

test('.env: a comment after a closing quote is fine; single quotes may span lines', () => {
  const { values, diagnostics } = parseDotenv(`A="x" # c\nB='1\n2' \nC=3`);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(Object.fromEntries(values), { A: 'x', B: '1\n2', C: '3' });
});

test('.env: ${VAR} from earlier lines then environ; :- defaults; never recursive; $VAR literal', () => {
  const text = [
    'HOST=db',
    'URL=postgres://${HOST}:${PORTX:-5432}/app',
    'FROM_ENV="${HOME_DIR}/x"',
    'LATER=${DEFINED_BELOW}',
    'DEFINED_BELOW=1',
    'NESTED=${TEMPLATE}',
    "SINGLE='${HOST}'",
    'DOLLAR=$HOST',
    'EMPTY_DEFAULT=${UNSET:-}',
    'MISSING=${UNSET}',
  ].join('\n');
  const environ: Record<string, string> = { HOME_DIR: '/home/u', TEMPLATE: '${HOST}', DEFINED_BELOW: 'env' };
  const { values, diagnostics } = parseDotenv(text, '.env', (n) => environ[n]);
  assert.deepEqual(diagnostics, []);
  assert.equal(values.get('URL'), 'postgres://db:5432/app');
  assert.equal(values.get('FROM_ENV'), '/home/u/x');
  assert.equal(values.get('LATER'), 'env');
  assert.equal(values.get('NESTED'), '${HOST}');
  assert.equal(values.get('SINGLE'), '${HOST}');
  assert.equal(values.get('DOLLAR'), '$HOST');
  assert.equal(values.get('EMPTY_DEFAULT'), '');
  assert.equal(values.get('MISSING'), '');
});

test('.env: a malformed ${ is an error with a hint, the line is still read', () => {
  const shown = errorText({ '.env': 'A=${NOT CLOSED\nB=${1X}\n', Procfile: 'w: true' });
  assert.equal(shown.length, 2);
  assert.match(shown[0]!, /^\.env:1:3: malformed variable reference "\$\{NOT CLOSED"\n  hint: write \$\{NAME\}/);
  assert.match(shown[1]!, /^\.env:2:3: malformed variable reference "\$\{1X\}"/);
});

test('.env: other backslashes in double quotes are kept; \\" does not close the value', () => {
  const { values } = parseDotenv('A="a\\qb"\nB="say \\"hi\\""\n');
  assert.equal(values.get('A'), 'a\\qb');
  assert.equal(values.get('B'), 'say "hi"');
});
