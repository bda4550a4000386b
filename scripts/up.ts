// up.ts: "give me a working database": deploy, migrate, seed, verify, stopping at the first
// failure with that step's own message and exit code. One line per step, the verdict last.
import { ExitCode, type ExitCodeValue } from './lib/cli/exit-codes.ts';
import { COMMON_OPTIONS } from './lib/cli/common-options.ts';
import { runScript } from './lib/cli/run-script.ts';
import { runStep, stepConnectionLines, stepError, stepVerdict, UP_STEPS } from './lib/up/steps.ts';

await runScript(
  {
    command: 'npm run -s db:up --',
    summary: 'Deploy, migrate, seed and verify in one command; stops at the first failing step with its message.',
    usage: 'npm run -s db:up -- [flags]',
    spec: COMMON_OPTIONS,
    examples: ['npm run -s db:up', 'npm run -s db:up -- --target local', 'npm run -s db:up -- --namespace dev --json'],
  },
  async ({ cfg, out }) => {
    const started = performance.now();
    // The shared flags go to every step; each step reads its own settings from the environment.
    const args = process.argv.slice(2);
    const steps: Array<Record<string, unknown>> = [];
    for (const step of UP_STEPS) {
      out.progress(`${step}…`);
      const run = await runStep(step, args);
      const json = cfg.json ? parseJson(run.stdout) : null;
      steps.push({ step, exitCode: run.exitCode, ...(json ?? {}) });
      // Stopped by a signal: the interrupt's cleanup has already said what the step left.
      if (run.stopped) return ExitCode.interrupted;
      if (run.exitCode !== 0) {
        const error = stepError(run);
        if (cfg.json)
          out.result({
            ok: false,
            status: 'failed',
            exitCode: run.exitCode,
            failedStep: step,
            steps,
            error: json?.error ?? { code: 'error', message: error.replace(/^error: /, '') },
          });
        else out.line(`${step}: FAILED`);
        process.stderr.write(`${error}\n`);
        return run.exitCode as ExitCodeValue;
      }
      if (cfg.json) continue;
      out.line(`${step}: ${stepVerdict(run)}`);
      for (const line of step === 'deploy' ? stepConnectionLines(run) : []) out.line(line);
    }
    const connection = steps[0]?.connection;
    out.result({ ok: true, status: 'up', connection, steps, durationMs: Math.round(performance.now() - started) });
    out.verdict(
      true,
      `database ready in ${((performance.now() - started) / 1000).toFixed(1)}s: deployed, migrated, seeded, healthy`,
    );
    return ExitCode.ok;
  },
);

function parseJson(text: string): Record<string, unknown> | null {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
}
