// The resolved seed config every seed module takes.
import type { ConfigValues } from '../cli/option-spec.ts';
import type { SEED_OPTIONS } from './options.ts';

export type SeedConfig = ConfigValues<typeof SEED_OPTIONS>;
