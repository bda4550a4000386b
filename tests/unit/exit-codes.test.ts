import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT_CODE_TABLE, ExitCode } from '../../scripts/lib/cli/exit-codes.ts';

test('the exit-code contract: ok 0, not-ok 1, usage 2, error 3, not-deployed 4, interrupted 130', () => {
  assert.deepEqual(
    EXIT_CODE_TABLE.map((row) => [row.code, row.name]),
    [
      [0, 'ok'],
      [1, 'not-ok'],
      [2, 'usage'],
      [3, 'error'],
      [4, 'not-deployed'],
      [130, 'interrupted'],
    ],
  );
  assert.deepEqual(
    Object.values(ExitCode),
    EXIT_CODE_TABLE.map((row) => row.code),
  );
});
