// The shape of a benchmark case: what this project does, and the raw tool doing the same work.
export interface Cluster {
  dir: string;
  env: NodeJS.ProcessEnv;
  root: string;
}

export interface BenchCase {
  name: string;
  runs: number;
  setup?(cluster: Cluster): Promise<void> | void;
  /** Untimed, before every timed run of either side (e.g. back to an empty cluster). */
  beforeEach?(cluster: Cluster): Promise<void> | void;
  /** Untimed, before every timed raw run, instead of beforeEach: when the sides start from different states. */
  beforeRaw?(cluster: Cluster): Promise<void> | void;
  ours(cluster: Cluster): Promise<void> | void;
  raw(cluster: Cluster): Promise<void> | void;
  /** The target as text with its verdict, e.g. "≤ 100 ms: met". */
  target(oursMs: number, rawMs: number): string;
}
