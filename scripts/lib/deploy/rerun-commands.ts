// The deploy the user ran, again with one thing changed: the fixes deploy prints.
import { formatGoDuration } from '../cli/duration.ts';
import { withFlag } from '../cli/rerun-command.ts';

const PREFIX = 'npm run -s db:deploy --';

/** The same command with --upgrade: what applies the change they asked for. */
export const UPGRADE_CMD = [PREFIX, ...process.argv.slice(2).filter((a) => a !== '--json'), '--upgrade'].join(' ');

/** The same command with a longer --timeout. */
export function rerunWithTimeout(ms: number): string {
  return [PREFIX, ...withFlag(process.argv.slice(2), 'timeout', formatGoDuration(ms))].join(' ');
}
