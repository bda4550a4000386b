// The one exit-code table every script uses, printed by --help and quoted in SKILL.md.

export const ExitCode = {
  ok: 0,
  notOk: 1,
  usage: 2,
  error: 3,
  notDeployed: 4,
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

export interface ExitCodeRow {
  code: ExitCodeValue;
  name: string;
  meaning: string;
}

export const EXIT_CODE_TABLE: readonly ExitCodeRow[] = [
  { code: ExitCode.ok, name: 'ok', meaning: 'success' },
  { code: ExitCode.notOk, name: 'not-ok', meaning: 'ran, but the result is not OK (unhealthy, migration failed)' },
  {
    code: ExitCode.usage,
    name: 'usage',
    meaning: 'usage or config error (bad flag or value, missing file); nothing changed',
  },
  {
    code: ExitCode.error,
    name: 'error',
    meaning: 'environment or tool failure (cluster unreachable, kubectl/helm failed, timeout)',
  },
  { code: ExitCode.notDeployed, name: 'not-deployed', meaning: 'verify only: nothing is deployed' },
  {
    code: ExitCode.interrupted,
    name: 'interrupted',
    meaning: 'interrupted (SIGINT, SIGTERM or SIGHUP); the work in the pod stopped',
  },
];
