import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { createOutput, type OutStream } from '../../scripts/lib/cli/output.ts';
import { toolError } from '../../scripts/lib/cli/errors.ts';
import { clearSecrets, registerSecret } from '../../scripts/lib/cli/redact.ts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts every colour code.
const ANSI = /\x1b\[/;
beforeEach(() => clearSecrets());

function stream(isTTY: boolean): OutStream & { text: () => string } {
  const chunks: string[] = [];
  return { isTTY, write: (c: string) => chunks.push(c), text: () => chunks.join('') };
}

function setup(o: { json?: boolean; tty?: boolean; env?: NodeJS.ProcessEnv } = {}) {
  const stdout = stream(o.tty ?? false);
  const stderr = stream(o.tty ?? false);
  const out = createOutput({ json: o.json, env: o.env ?? { TERM: 'xterm' }, stdout, stderr });
  const exercise = ({ withError = true } = {}): void => {
    out.progress('checking pod');
    out.warn('slow');
    out.line('pod postgresql-0 Running');
    out.verdict(true, 'healthy');
    out.verdict(false, 'migrations pending');
    if (withError) out.error(toolError('boom', 'fix'));
  };
  return { out, stdout, stderr, exercise };
}

test('a TTY without NO_COLOR gets colour; NO_COLOR, TERM=dumb, non-TTY and json get none', () => {
  const coloured = setup({ tty: true });
  coloured.exercise();
  assert.match(coloured.stdout.text(), ANSI);
  assert.match(coloured.stderr.text(), ANSI);
  for (const o of [
    { tty: true, env: { NO_COLOR: '1' } },
    { tty: true, env: { TERM: 'dumb' } },
    { tty: false },
    { tty: true, json: true },
  ]) {
    const s = setup(o);
    s.exercise();
    assert.doesNotMatch(s.stdout.text() + s.stderr.text(), ANSI, JSON.stringify(o));
  }
});

test('an empty NO_COLOR does not disable colour', () => {
  const s = setup({ tty: true, env: { NO_COLOR: '', TERM: 'xterm' } });
  s.out.verdict(true, 'x');
  assert.match(s.stdout.text(), ANSI);
});

test('human mode: result lines on stdout, progress and errors on stderr, plain verdict words', () => {
  const s = setup();
  s.exercise();
  assert.equal(s.stdout.text(), 'pod postgresql-0 Running\nok: healthy\nFAIL: migrations pending\n');
  assert.equal(s.stderr.text(), 'checking pod\nwarning: slow\nerror: boom (fix: fix)\n');
});

test('json mode: stdout holds exactly one parseable object and nothing else', () => {
  const s = setup({ json: true });
  s.exercise({ withError: false });
  s.out.result({ ok: true, status: 'healthy', checks: [] });
  assert.equal(s.stdout.text(), '', 'held until finish, so the summary and exit code can join it');
  s.out.finish(0);
  const lines = s.stdout.text().split('\n').filter(Boolean);
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(s.stdout.text()), {
    ok: true,
    status: 'healthy',
    exitCode: 0,
    summary: 'migrations pending',
    error: null,
    checks: [],
  });
  assert.match(s.stderr.text(), /checking pod/);
  assert.throws(() => s.out.result({ ok: false }), /called twice/);
});

test('registered secrets never reach either stream', () => {
  registerSecret('pa55word-xyz');
  const s = setup({ json: true });
  s.out.progress('using pa55word-xyz');
  s.out.result({ url: 'postgres://u:pa55word-xyz@h/db' });
  s.out.error(toolError('login failed with pa55word-xyz'));
  s.out.finish(3);
  const all = s.stdout.text() + s.stderr.text();
  assert.doesNotMatch(all, /pa55word-xyz/);
  assert.equal(JSON.parse(s.stdout.text()).url, 'postgres://u:****@h/db');
});

test('json mode: a failure is one object on stdout with the exit code, message and fix', () => {
  const s = setup({ json: true });
  s.out.progress('checking pod');
  s.out.error(toolError('cluster unreachable (context "minikube")', 'minikube start'));
  const lines = s.stdout.text().split('\n').filter(Boolean);
  assert.equal(lines.length, 1);
  assert.deepEqual(JSON.parse(lines[0] ?? ''), {
    ok: false,
    status: 'failed',
    exitCode: 3,
    summary: 'cluster unreachable (context "minikube")',
    error: { code: 'error', message: 'cluster unreachable (context "minikube")', fix: 'minikube start' },
  });
  assert.equal(
    s.stderr.text(),
    'checking pod\nerror: cluster unreachable (context "minikube") (fix: minikube start)\n',
  );
});

test('spinner without a TTY prints the label once as a line, no \\r frames', () => {
  const s = setup({ tty: false });
  const spin = s.out.spinner('waiting for postgresql-0');
  spin.stop('postgresql-0 ready');
  spin.stop('again');
  assert.equal(s.stderr.text(), 'waiting for postgresql-0\npostgresql-0 ready\n');
  assert.doesNotMatch(s.stderr.text(), /\r/);
});

test('spinner on a colour TTY animates with \\r and stops cleanly', async () => {
  const s = setup({ tty: true });
  const spin = s.out.spinner('waiting');
  await new Promise((r) => setTimeout(r, 200));
  spin.stop('done');
  const written = s.stderr.text();
  assert.ok((written.match(/\r/g) ?? []).length >= 3, 'several frames');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the reset code ends with ESC [ n m.
  assert.match(written, /done\x1b\[\d+m\n$/);
  const lengthAfterStop = written.length;
  await new Promise((r) => setTimeout(r, 120));
  assert.equal(s.stderr.text().length, lengthAfterStop, 'no frames after stop');
});

test('--show-secrets prints the result unredacted on stdout, never on stderr', () => {
  registerSecret('pa55word-xyz');
  const stdout = stream(false);
  const stderr = stream(false);
  const out = createOutput({ showSecrets: true, env: {}, stdout, stderr });
  out.line('postgresql://u:pa55word-xyz@h/db');
  out.progress('using pa55word-xyz');
  assert.equal(stdout.text(), 'postgresql://u:pa55word-xyz@h/db\n');
  assert.equal(stderr.text(), 'using ****\n');
});
