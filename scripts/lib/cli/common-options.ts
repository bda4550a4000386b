// The flags every script shares; a script's spec is [...COMMON_OPTIONS, ...its own].
import type { OptionSpec } from './option-spec.ts';

export const COMMON_OPTIONS = [
  {
    name: 'json',
    flag: 'json',
    env: 'OUTPUT_JSON',
    type: 'boolean',
    default: false,
    description: 'print exactly one JSON object on stdout',
  },
  {
    name: 'debug',
    flag: 'debug',
    env: 'PG_DEBUG',
    type: 'boolean',
    default: false,
    description: 'show config sources, tool calls and stack traces on stderr',
  },
  {
    name: 'yes',
    flag: 'yes',
    short: 'y',
    env: 'ASSUME_YES',
    type: 'boolean',
    default: false,
    description: 'confirm destructive actions (there are no prompts without a TTY)',
  },
  {
    name: 'showSecrets',
    flag: 'show-secrets',
    env: 'SHOW_SECRETS',
    type: 'boolean',
    default: false,
    description: 'print passwords and connection strings unmasked',
  },
  {
    name: 'kubectl',
    flag: 'kubectl',
    env: 'KUBECTL',
    type: 'string',
    default: 'kubectl',
    description: 'kubectl binary to run',
  },
  { name: 'helm', flag: 'helm', env: 'HELM', type: 'string', default: 'helm', description: 'helm binary to run' },
  {
    name: 'namespace',
    flag: 'namespace',
    short: 'n',
    env: 'PG_NAMESPACE',
    type: 'string',
    default: 'postgres',
    description: 'Kubernetes namespace of the database',
  },
  {
    name: 'release',
    flag: 'release',
    env: 'PG_RELEASE',
    type: 'string',
    default: 'postgresql',
    description: 'Helm release name',
  },
  // No default: unset means kubectl's current context, which is what a developer expects.
  {
    name: 'context',
    flag: 'context',
    env: 'KUBE_CONTEXT',
    type: 'string',
    description: 'kubeconfig context (default: the current context)',
  },
  {
    name: 'target',
    flag: 'target',
    env: 'DB_TARGET',
    type: 'string',
    default: 'auto',
    choices: ['auto', 'kubernetes', 'local'],
    description:
      'where the database runs: a cluster, or a server on this machine under --local-dir (auto: the cluster if a ' +
      'kubeconfig exists, else local)',
  },
  {
    name: 'localDir',
    flag: 'local-dir',
    env: 'DB_LOCAL_DIR',
    type: 'string',
    default: '.data',
    description: 'with --target local: the directory of its data, socket, log and passwords',
  },
  {
    name: 'timeout',
    flag: 'timeout',
    env: 'PG_TIMEOUT',
    type: 'duration',
    default: '5m',
    description: "time limit, e.g. 90, 30s, 5m, 1m30s: deploy's whole run, each cluster call of the others",
  },
] as const satisfies readonly OptionSpec[];
