// Destructive actions go ahead only with --yes, or with a "y" typed at a terminal.
import { createInterface } from 'node:readline/promises';
import { usageError } from './errors.ts';

/** `what` completes "this will …"; `withYes` is the same command with --yes, for the error's fix. */
export async function confirmDestructive(o: { yes: boolean; what: string; withYes: string }): Promise<void> {
  if (o.yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) {
    throw usageError(`this will ${o.what}; there is no terminal to ask, so it needs --yes`, o.withYes);
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`This will ${o.what}. Continue? [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw usageError('cancelled: nothing was changed', o.withYes);
  } finally {
    rl.close();
  }
}
