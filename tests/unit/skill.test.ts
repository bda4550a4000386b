// SKILL.md is what an agent loads: small (measured with real tokenizers), and every command in it
// runs as written. Each command is checked by running the script with its flags and --help: the
// flags are parsed (strictly) before help is printed, so a flag the script lacks fails the test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { countTokens } from '@anthropic-ai/tokenizer';
import { encode } from 'gpt-tokenizer';

const root = new URL('../../', import.meta.url);
const skill = readFileSync(new URL('SKILL.md', root), 'utf8');
const scripts = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

test('SKILL.md stays under 500 tokens by both tokenizers (the larger counts)', () => {
  const claude = countTokens(skill);
  const gpt = encode(skill).length;
  console.log(`# SKILL.md tokens: @anthropic-ai/tokenizer ${claude}, gpt-tokenizer ${gpt}`);
  assert.ok(Math.max(claude, gpt) < 500, `SKILL.md is ${Math.max(claude, gpt)} tokens`);
  assert.match(skill, /^---\nname: postgres-k8s-setup\ndescription: .+\n---\n/);
});

/** Each bullet's command and the flags shown with it: `npm run -s db:x -- a --b` and `--c`. */
function skillCommands(): Array<{ task: string; args: string[] }> {
  const bullets = skill.split(/\n(?=- |\n)/).filter((b) => b.includes('npm run -s db:'));
  const commands: Array<{ task: string; args: string[] }> = [];
  const sample = (a: string): string =>
    ({ N: '2', NAME: 'add_hints', FILE: 'backups/x.dump', TABLE: 'users', SQL: 'select 1' })[a] ?? a;
  for (const bullet of bullets) {
    const codes = [...bullet.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    let task = '';
    for (const code of codes) {
      const full = /^npm run -s db:([a-z]+)(?: -- (.*))?$/.exec(code);
      if (full) {
        task = full[1]!;
        commands.push({ task, args: (full[2] ?? '').split(/\s+/).filter(Boolean).map(sample) });
      } else if (task && /^(-- )?--?[a-z]/.test(code)) {
        commands.push({ task, args: code.replace(/^-- /, '').split(/\s+/).map(sample) });
      }
    }
  }
  return commands;
}

/** node's arguments in package.json's db:TASK ("node scripts/launch.mjs up"), run as npm would. */
function npmScriptArgs(task: string): string[] {
  const [node, ...args] = (scripts[`db:${task}`] ?? '').split(' ');
  assert.equal(node, 'node', `db:${task} does not start with node`);
  return args;
}

test('every command SKILL.md shows exists and accepts its flags', () => {
  const commands = skillCommands();
  assert.ok(commands.length >= 10, `found only ${commands.length} commands`);
  for (const { task, args } of commands) {
    const script = scripts[`db:${task}`];
    assert.ok(script, `npm run db:${task} is not in package.json`);
    const r = spawnSync(process.execPath, [...npmScriptArgs(task), ...args, '--help'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `db:${task} ${args.join(' ')}: ${r.stderr.trim()}`);
  }
});

test('the flags every script shares, as SKILL.md promises them', () => {
  for (const task of ['up', 'deploy', 'migrate', 'seed', 'verify', 'backup']) {
    const r = spawnSync(process.execPath, [...npmScriptArgs(task), '--json', '--yes', '--show-secrets', '--help'], {
      cwd: root,
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, `db:${task}: ${r.stderr.trim()}`);
  }
});
