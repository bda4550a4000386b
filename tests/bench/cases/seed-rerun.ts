// seed.ts run again over 100,000 rows that are all there already (skip mode) against its first run.
import type { BenchCase } from '../case.ts';
import { firstRun } from './seed.ts';

const rerun: BenchCase = {
  name: 'seed-100k-rerun',
  runs: 3,
  setup: async (c) => {
    await firstRun.setup?.(c);
    await firstRun.beforeEach?.(c);
    await firstRun.ours(c);
  },
  ours: (c) => firstRun.ours(c),
  // The first run: the same seed into an emptied table (emptying it is not timed).
  beforeRaw: (c) => firstRun.beforeEach?.(c),
  raw: (c) => firstRun.ours(c),
  target: (ours, raw) => `re-run ≤ first run: ${ours <= raw ? 'met' : 'MISSED'}`,
};
export default rerun;
