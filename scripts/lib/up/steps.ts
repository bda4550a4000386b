// db:up's steps: each task script run as its own process, in order, stopping at the first failure.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const UP_STEPS = ['deploy', 'migrate', 'seed', 'verify'] as const;
export type UpStep = (typeof UP_STEPS)[number];

export interface StepRun {
  step: UpStep;
  exitCode: number;
  stdout: string;
  stderr: string;
}

const LAUNCHER = fileURLToPath(new URL('../../launch.mjs', import.meta.url));

/** The step's script through the launcher (tsx only where this Node needs it), stdout and stderr captured. */
export function runStep(step: UpStep, args: readonly string[]): Promise<StepRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAUNCHER, step, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ step, exitCode: code ?? (signal === 'SIGINT' ? 130 : 1), stdout, stderr }),
    );
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
