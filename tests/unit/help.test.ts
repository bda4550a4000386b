import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderHelp } from '../../scripts/lib/cli/help.ts';
import { COMMON_OPTIONS } from '../../scripts/lib/cli/common-options.ts';

const text = renderHelp({
  command: 'deploy.ts',
  summary: 'Install or upgrade PostgreSQL with the pinned Bitnami chart, after creating the credentials Secret.',
  usage: 'deploy.ts [options]',
  positionals: [{ name: '<file>', description: 'a file' }],
  spec: [
    ...COMMON_OPTIONS,
    {
      name: 'target',
      flag: 'target',
      env: 'PG_TARGET',
      type: 'string',
      choices: ['cluster', 'local'],
      default: 'cluster',
      description: 'where the server lives',
    },
  ],
  examples: ['deploy.ts --context minikube', 'deploy.ts --json'],
});
const lines = text.split('\n');

test('help lists every flag with its short form, env twin and default (notes kept whole)', () => {
  assert.ok(lines[0] === 'Usage: deploy.ts [options]');
  assert.match(
    text,
    /-n, --namespace <value> +Kubernetes namespace of the database\s+\[env PG_NAMESPACE; default postgres\]/,
  );
  assert.match(text, /--timeout <duration> +time limit[^[]*\[env PG_TIMEOUT; default 5m\]/);
  assert.match(text, /--target <cluster\|local> +where the server lives\s+\[env PG_TARGET; default cluster\]/);
  assert.match(text, /--context <value> +kubeconfig context \(default: the current context\)\s+\[env KUBE_CONTEXT\]/);
  assert.match(text, /-h, --help +show this help/);
  assert.match(text, /Examples:\n {2}deploy\.ts --context minikube/);
  assert.match(text, /Arguments:\n {2}<file> +a file/);
});

test('help ends with the exit-code table and no line passes 100 columns', () => {
  const exitSection = text.slice(text.indexOf('Exit codes:'));
  for (const [code, name] of [
    [0, 'ok'],
    [1, 'not-ok'],
    [2, 'usage'],
    [3, 'error'],
    [4, 'not-deployed'],
    [130, 'interrupted'],
  ] as const) {
    assert.match(exitSection, new RegExp(`^ +${code} {2}${name} +\\S`, 'm'));
  }
  for (const line of lines) assert.ok(line.length <= 100, `too wide (${line.length}): ${line}`);
});
