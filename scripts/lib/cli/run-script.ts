// The frame every entry script runs in: config, --help, output, and one exit code per outcome.
import { describeConfig, jsonRequested, loadConfig } from './config.ts';
import type { ConfigValues, OptionSpec } from './option-spec.ts';
import { exitCodeOf, usageError } from './errors.ts';
import { checkKubernetesNames } from './kube-names.ts';
import { ExitCode, type ExitCodeValue } from './exit-codes.ts';
import { renderHelp, type HelpSpec } from './help.ts';
import { createOutput, type Output } from './output.ts';
import { traceCommands } from './process-runner.ts';
import { setCommandEnv } from './command-hints.ts';
import { AUTO_LOCAL_NOTE, chooseTarget } from './target-choice.ts';

// Work to undo if the user interrupts (partial files, server-side sessions): run before the process
// exits, for at most INTERRUPT_GRACE_MS; a second Ctrl-C exits at once.
const cleanups = new Set<() => void | Promise<void>>();
export function onInterrupt(fn: () => void | Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}
const INTERRUPT_GRACE_MS = 15_000;

// Ctrl-C is SIGINT; a job runner's cancel and timeout(1) send SIGTERM, a closed terminal SIGHUP. Each would
// otherwise end Node at once and leave the work going on in the pod. The first runs the cleanups, the next
// of any of them exits at once.
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
function onStopSignal(first: (signal: (typeof STOP_SIGNALS)[number]) => void): void {
  let stopping = false;
  for (const signal of STOP_SIGNALS)
    process.on(signal, () => {
      if (stopping) process.exit(ExitCode.interrupted);
      stopping = true;
      first(signal);
    });
}

async function runCleanups(out: Output): Promise<void> {
  const all = Promise.allSettled([...cleanups].map(async (fn) => fn()));
  const timer = new Promise((resolve) => setTimeout(resolve, INTERRUPT_GRACE_MS).unref());
  await Promise.race([all, timer]);
  for (const r of await Promise.race([all, Promise.resolve([])])) {
    if (r.status === 'rejected')
      out.warn(
        `cleanup after the interrupt failed: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`,
      );
  }
}

/**
 * Where this command works (--target local and its --local-dir; on a cluster -n, --release and
 * --context), given on this command line or in this command's environment, must be repeated in
 * every command we suggest, as the option's environment twin; from .env files it applies anyway.
 */
function carryTargetIntoHints(
  spec: readonly OptionSpec[],
  values: Record<string, unknown>,
  sources: Record<string, string>,
): void {
  const passed = (name: string): boolean => sources[name] === 'flag' || sources[name] === 'env';
  const vars: Record<string, string> = {};
  // A migrations directory of one's own matters to every migrate, verify and up we suggest.
  if (passed('migrationsDir') && typeof values.migrationsDir === 'string')
    vars.PG_MIGRATIONS_DIR = values.migrationsDir;

  if (values.target === 'local' && passed('target')) {
    vars.DB_TARGET = 'local';
    if (passed('localDir')) vars.DB_LOCAL_DIR = String(values.localDir);
  } else if (values.target !== 'local') {
    for (const [name, env] of [
      ['namespace', 'PG_NAMESPACE'],
      ['release', 'PG_RELEASE'],
      ['context', 'KUBE_CONTEXT'],
    ] as const) {
      if (passed(name) && typeof values[name] === 'string') vars[env] = values[name];
    }
  }
  // backup's own --dir matters to every backup, list and restore we suggest (seed's --dir is its seeds).
  const dir: Record<string, string> =
    spec.some((o) => o.name === 'dir' && o.env === 'PG_BACKUP_DIR') && passed('dir') && typeof values.dir === 'string'
      ? { PG_BACKUP_DIR: values.dir }
      : {};
  setCommandEnv(vars, dir);
}

/** What every script refuses before any call: names the API server would refuse, a time limit of zero. */
function checkFrameValues(spec: readonly OptionSpec[], values: Record<string, unknown>): void {
  for (const opt of spec) {
    if ((opt.name === 'timeout' || opt.name === 'readyTimeout') && values[opt.name] === 0)
      throw usageError(`--${opt.flag} must be more than 0`, `pass e.g. --${opt.flag} 5m`);
  }
  if (values.target === 'local' || typeof values.namespace !== 'string' || typeof values.release !== 'string') return;
  const secret = typeof values.secretName === 'string' ? values.secretName : undefined;
  checkKubernetesNames({ namespace: values.namespace, release: values.release, secret });
}

export interface ScriptSpec<S extends readonly OptionSpec[]> extends Omit<HelpSpec, 'spec'> {
  spec: S;
  allowPositionals?: boolean;
}

export interface ScriptContext<S extends readonly OptionSpec[]> {
  cfg: ConfigValues<S>;
  positionals: string[];
  out: Output;
  /** Where each value came from: an env twin set for one action must not be taken as a flag for another. */
  sources: Record<string, string>;
}

export async function runScript<const S extends readonly OptionSpec[]>(
  script: ScriptSpec<S>,
  main: (ctx: ScriptContext<S>) => Promise<ExitCodeValue>,
): Promise<void> {
  const argv = process.argv.slice(2);
  // Before config is read (or when reading it fails), --json comes from argv, the environment and .env files.
  let out = createOutput({ json: jsonRequested(argv, process.env, process.cwd()) });
  onStopSignal((signal) => {
    const by = signal === 'SIGINT' ? 'interrupted' : `interrupted (${signal})`;
    out.progress(cleanups.size ? `${by}: cleaning up (Ctrl-C again to quit at once)` : by);
    void runCleanups(out).finally(() => process.exit(ExitCode.interrupted));
  });
  try {
    const loaded = loadConfig(script.spec, {
      argv,
      command: script.command,
      allowPositionals: script.allowPositionals,
    });
    if (loaded.help) {
      process.stdout.write(`${renderHelp(script)}\n`);
      return;
    }
    const values = loaded.values as Record<string, unknown>;
    out = createOutput({
      json: values.json === true,
      debug: values.debug === true,
      showSecrets: values.showSecrets === true,
    });
    if ('target' in values) {
      const requested = String(values.target);
      values.target = chooseTarget(requested, { context: values.context as string | undefined });
      if (requested === 'auto' && values.target === 'local') out.progress(AUTO_LOCAL_NOTE);
    }
    checkFrameValues(script.spec, values);
    carryTargetIntoHints(script.spec, values, loaded.sources);
    if (values.debug === true) {
      for (const line of describeConfig(script.spec, loaded)) out.progress(`config: ${line}`);
      traceCommands((line) => out.progress(line));
    }
    process.exitCode = await main({
      cfg: loaded.values,
      positionals: loaded.positionals,
      out,
      sources: loaded.sources,
    });
    out.finish(process.exitCode);
  } catch (err) {
    out.error(err);
    process.exitCode = exitCodeOf(err);
  }
}
