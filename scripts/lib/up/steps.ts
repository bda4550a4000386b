// db:up's steps: each task script run as its own process, in order, stopping at the first failure.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onInterrupt } from '../cli/run-script.ts';

export const UP_STEPS = ['deploy', 'migrate', 'seed', 'verify'] as const;
export type UpStep = (typeof UP_STEPS)[number];

export interface StepRun {
  step: UpStep;
  exitCode: number;
  stdout: string;
  stderr: string;
  /** db:up was stopped by a signal and passed it on: the step has said what it left. */
  stopped?: boolean;
}

const LAUNCHER = fileURLToPath(new URL('../../launch.mjs', import.meta.url));

/** The step's script through the launcher (tsx only where this Node needs it), stdout and stderr captured. */
export function runStep(step: UpStep, args: readonly string[]): Promise<StepRun> {
  return new Promise((resolve, reject) => {
    // A group of its own: a terminal's Ctrl-C reaches db:up only, which passes on exactly one SIGINT, so the
    // step runs its own cleanup once (a second signal would make it quit without), whatever stopped db:up.
    const child = spawn(process.execPath, [LAUNCHER, step, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const closed = new Promise<void>((done) => child.on('close', () => done()));
    let stopped = false;
    const forget = onInterrupt(async () => {
      stopped = true;
      const from = stderr.length;
      child.kill('SIGINT');
      await closed;
      // What the step says it left (its session ended, what rolled back) is the user's answer.
      const said = stderr.slice(from).split('\n');
      process.stderr.write(said.filter((l) => !l.startsWith('interrupted: cleaning up')).join('\n'));
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      forget();
      resolve({ step, exitCode: code ?? (signal === 'SIGINT' ? 130 : 1), stdout, stderr, stopped });
    });
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes being stripped.
const plain = (s: string): string => s.replace(/\u001b\[[0-9;]*m/g, '');

/**
 * A step's last stdout line is its verdict ("ok: " is implied by getting this far); a line about
 * generated passwords is kept too, or nobody would learn where the admin password went.
 */
export function stepVerdict(run: StepRun): string {
  const lines = plain(run.stdout).trim().split('\n').filter(Boolean);
  const last = (lines.at(-1) ?? '(no output)').replace(/^(ok: |✓ )/, '');
  const passwords = lines.find((l) => l.startsWith('generated password'));
  return passwords ? `${last}; ${passwords}` : last;
}

/** deploy's connection lines (DATABASE_URL=…, local access: …), which an app's configuration needs. */
export function stepConnectionLines(run: StepRun): string[] {
  return plain(run.stdout)
    .split('\n')
    .filter((l) => l.startsWith('DATABASE_URL=') || l.startsWith('local access: '));
}

/** The step's one-line error (error: … (fix: …)), or its verdict when it failed without one. */
export function stepError(run: StepRun): string {
  const line = plain(run.stderr)
    .split('\n')
    .find((l) => l.startsWith('error: '));
  return line ?? `error: ${run.step} failed (exit ${run.exitCode}): ${stepVerdict(run)}`;
}
