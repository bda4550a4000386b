// The recorded forwarder of a release: found alive (reused), found dead (reported, replaced), stopped.
import { rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chartNames } from '../cluster/chart-names.ts';
import {
  forwarderAlive,
  type ForwardRecord,
  readForwardRecord,
  recordPath,
  removeForwardRecord,
} from '../cluster/port-forward-record.ts';

export type Found = { state: 'none' } | { state: 'alive' | 'dead'; record: ForwardRecord };

export function findForwarder(o: { namespace: string; release: string; context?: string }): Found {
  const file = recordPath(o);
  const record = readForwardRecord(file);
  if (!record) return { state: 'none' };
  if (forwarderAlive(record.pid, chartNames(o.release).service)) return { state: 'alive', record };
  removeForwardRecord(file);
  rmSync(record.log, { force: true });
  return { state: 'dead', record };
}

/** SIGINT (kubectl then exits 0), SIGKILL after 5 s; the record goes either way. */
export async function stopForwarder(
  o: { namespace: string; release: string; context?: string },
  { pid, log }: ForwardRecord,
): Promise<void> {
  try {
    process.kill(pid, 'SIGINT');
  } catch {}
  for (let i = 0; i < 100 && forwarderAlive(pid); i++) await sleep(50);
  if (forwarderAlive(pid))
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  rmSync(log, { force: true });
  removeForwardRecord(recordPath(o));
}
