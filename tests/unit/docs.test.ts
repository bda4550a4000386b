// The documentation stays true: every option's env twin and every exit code is where users look.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEPLOY_OPTIONS } from '../../scripts/lib/deploy/options.ts';
import { VERIFY_OPTIONS } from '../../scripts/lib/verify/options.ts';
import { BACKUP_OPTIONS } from '../../scripts/lib/backup/options.ts';
import { MIGRATE_OPTIONS } from '../../scripts/lib/migrate/options.ts';
import { SEED_OPTIONS } from '../../scripts/lib/seed/options.ts';
import { URL_OPTIONS } from '../../scripts/lib/url/options.ts';
import { PORT_FORWARD_OPTIONS } from '../../scripts/lib/port-forward/options.ts';
import { PSQL_OPTIONS } from '../../scripts/lib/psql/options.ts';
import { EXIT_CODE_TABLE } from '../../scripts/lib/cli/exit-codes.ts';
import { checkDotenvLines } from '../../scripts/lib/cli/dotenv-lines.ts';

const read = (file: string): string => readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8');

test('.env.example and README name every flag and env twin of every script', () => {
  const example = read('.env.example');
  const readme = read('README.md');
  for (const opt of [
    ...DEPLOY_OPTIONS,
    ...MIGRATE_OPTIONS,
    ...SEED_OPTIONS,
    ...VERIFY_OPTIONS,
    ...BACKUP_OPTIONS,
    ...URL_OPTIONS,
    ...PORT_FORWARD_OPTIONS,
    ...PSQL_OPTIONS,
  ]) {
    // A flag without an env twin (psql's --write, its SQL) says why where it is defined.
    if ('env' in opt) {
      assert.match(example, new RegExp(`^#? ?${opt.env}=`, 'm'), `${opt.env} missing from .env.example`);
      assert.ok(readme.includes(`\`${opt.env}\``), `${opt.env} missing from README.md`);
    }
    assert.ok(readme.includes(`\`--${opt.flag}\``), `--${opt.flag} missing from README.md`);
  }
});

test('README and SKILL.md carry the exit-code table', () => {
  const readme = read('README.md');
  const skill = read('SKILL.md');
  for (const row of EXIT_CODE_TABLE) {
    assert.match(readme, new RegExp(`\\| ${row.code} \\| ${row.name} \\|`), `exit ${row.code} missing from README.md`);
    assert.match(skill, new RegExp(`\\b${row.code} `), `exit ${row.code} missing from SKILL.md`);
  }
});

test('.env.example, copied to .env as it is, passes the line check every script makes', () => {
  assert.doesNotThrow(() => checkDotenvLines(read('.env.example'), '.env', '.env'));
});

test('.env.example holds no secret values', () => {
  for (const line of read('.env.example').split('\n')) {
    const m = line.match(/^([A-Z_]*(?:PASSWORD|SECRET|TOKEN)[A-Z_]*)=(.*)$/);
    if (m) assert.match(m[2] ?? '', /^(true|false)?$/, `${m[1]} has a value in .env.example`);
  }
});
