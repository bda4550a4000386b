// One time limit for a whole run (--timeout): every wait gets what is left of it, so the steps together
// keep the limit instead of each taking it afresh.
import { formatGoDuration } from './duration.ts';
import { toolError } from './errors.ts';

export interface Deadline {
  readonly limitMs: number;
  /** What is left of the limit, but at least floorMs: a last check still gets its one try. */
  leftMs(floorMs?: number): number;
  /**
   * What is left before `step` starts, in whole seconds (as helm's --timeout counts them, never rounded up
   * past the limit); under a second left is an error (exit 3) saying `step` was not started.
   */
  leftFor(step: string, fix: string): number;
}

export function startDeadline(limitMs: number, now: () => number = Date.now): Deadline {
  const end = now() + limitMs;
  const left = () => end - now();
  return {
    limitMs,
    leftMs: (floorMs = 0) => Math.max(floorMs, left()),
    leftFor(step, fix) {
      const ms = left();
      if (ms >= 1000) return Math.floor(ms / 1000) * 1000;
      throw toolError(`the run used its --timeout of ${formatGoDuration(limitMs)} before ${step} started`, fix);
    },
  };
}
