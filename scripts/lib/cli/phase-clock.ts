// Where a run's time went, for --json: each named phase lasts from the previous mark to this one.
export interface PhaseClock {
  readonly timings: Record<string, number>;
  mark(phase: string): void;
  totalMs(): number;
}

export function phaseClock(): PhaseClock {
  const started = performance.now();
  let last = started;
  const timings: Record<string, number> = {};
  return {
    timings,
    mark(phase) {
      const now = performance.now();
      timings[phase] = Math.round(now - last);
      last = now;
    },
    totalMs: () => Math.round(performance.now() - started),
  };
}
