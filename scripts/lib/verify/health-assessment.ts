// Turn the probe's numbers into verify's answer: problems (unhealthy) and warnings, each with a
// stable code, what was measured, and the fix.
import { doubledSize } from '../cluster/quantity.ts';
import type { ProbeResult } from './health-probe.ts';

export interface Finding {
  code: string;
  message: string;
  fix: string;
}

export interface HealthDetails {
  serverVersion?: string;
  latencyMs?: number;
  connections?: { used: number; max: number; percent: number };
  /**
   * The filesystem under the data directory. enforced false: it is larger than the claim (a hostPath or
   * local-path volume is a directory on the node), so the numbers are the node's disk and claimBytes the
   * size asked for, which nothing enforces.
   */
  volume?: { usedBytes: number; sizeBytes: number; percent: number; enforced: boolean; claimBytes?: number };
  databaseSizeBytes?: number;
  migrations?: { applied: number; pending: string[] };
}

export const LIMITS = { connectionsWarnPercent: 80, volumeWarnPercent: 85, volumeProblemPercent: 95 } as const;

/** Where the commands in a fix point: the pod's (kubectl) or the local server's. */
export interface ProbeHints {
  /** A superuser psql. */
  adminPsql: string;
  /** How to get more room for the data. */
  growVolume: string;
  /** Where the server says why. */
  logs: string;
  /** Where the app user's password is kept. */
  passwordStore: string;
}

export function podProbeHints(o: { namespace: string; pod: string; secret: string }): ProbeHints {
  return {
    adminPsql:
      `kubectl exec -it -n ${o.namespace} ${o.pod} -- sh -c 'PGPASSWORD="$(cat ` +
      `"$POSTGRES_POSTGRES_PASSWORD_FILE")" psql -U postgres'`,
    growVolume: `grow the volume: kubectl edit pvc data-${o.pod} -n ${o.namespace}`,
    logs: `kubectl logs -n ${o.namespace} ${o.pod}`,
    passwordStore: `Secret ${o.namespace}/${o.secret}`,
  };
}

const mib = (bytes: number): string => (bytes / 1048576).toFixed(1);
const pct = (part: number, whole: number): number => (whole > 0 ? Math.round((part / whole) * 1000) / 10 : 0);

/** The data volume's claim: its capacity and class (none for the local target). */
export interface ClaimSize {
  bytes: number;
  size: string;
  storageClass: string;
}

// A filesystem that enforces a claim is about its size (less the filesystem's own overhead); one much
// larger, or the one the pod's emptyDir /tmp is on, is the node's disk.
const ENFORCED_SLACK = 1.1;

export function assessProbe(
  probe: ProbeResult,
  o: {
    hints: ProbeHints;
    localMigrations: readonly string[];
    /** Local versions with a blocking lint finding: a pending one would be refused by up. */
    riskyMigrations?: readonly string[];
    migrationsDir?: string;
    claim?: ClaimSize | undefined;
  },
): { problems: Finding[]; warnings: Finding[]; details: HealthDetails } {
  const problems: Finding[] = [];
  const warnings: Finding[] = [];
  const details: HealthDetails = {};
  if (!probe.complete) {
    problems.push({
      code: 'probe-incomplete',
      message:
        'the answer from inside the pod was cut short (the exec stream dropped), so nothing it measured can be trusted',
      fix: 'run verify again; if it repeats, check the connection to the API server and the kubelet',
    });
    return { problems, warnings, details };
  }
  const { adminPsql, growVolume, logs, passwordStore } = o.hints;

  const unenforced =
    probe.volume && o.claim && (probe.onNodeDisk || probe.volume.sizeBytes > o.claim.bytes * ENFORCED_SLACK);
  if (probe.volume && o.claim && unenforced) {
    const v = probe.volume;
    const percent = pct(v.usedBytes, v.sizeBytes);
    details.volume = {
      usedBytes: v.usedBytes,
      sizeBytes: v.sizeBytes,
      percent,
      enforced: false,
      claimBytes: o.claim.bytes,
    };
    // Not a problem of this database: the node's disk fills for every pod on it, and writes fail only then.
    if (percent >= LIMITS.volumeProblemPercent) {
      warnings.push({
        code: 'node-disk-high',
        message:
          `the node's disk under this volume is ${percent}% full (${mib(v.availBytes)} MiB free); StorageClass ` +
          `${o.claim.storageClass} does not enforce the claim's ${o.claim.size}, so the database ` +
          `(${mib(probe.facts?.database_size ?? 0)} MiB) can grow until that disk is full`,
        fix: "free space on the node's disk (minikube ssh -- df -h), or use a StorageClass whose volumes have a size",
      });
    }
    const database = probe.facts?.database_size ?? 0;
    if (database > o.claim.bytes) {
      warnings.push({
        code: 'database-over-claim',
        message: `the database (${mib(database)} MiB) is larger than its claim (${o.claim.size})`,
        fix: `npm run -s db:deploy -- --storage-size ${doubledSize(database)} --upgrade`,
      });
    }
  } else if (probe.volume) {
    const percent = pct(probe.volume.usedBytes, probe.volume.sizeBytes);
    details.volume = { usedBytes: probe.volume.usedBytes, sizeBytes: probe.volume.sizeBytes, percent, enforced: true };
    const finding = {
      message: `data volume ${percent}% full (${probe.volume.availBytes} bytes free)`,
      fix: `free space (VACUUM FULL, drop data) or ${growVolume}`,
    };
    if (percent >= LIMITS.volumeProblemPercent) problems.push({ code: 'volume-full', ...finding });
    else if (percent >= LIMITS.volumeWarnPercent) warnings.push({ code: 'volume-high', ...finding });
  }

  if (probe.appError !== undefined) {
    const err = probe.appError;
    if (/too many clients|remaining connection slots are reserved/.test(err)) {
      const a = probe.admin;
      details.connections = a
        ? { used: a.connections, max: a.max_connections, percent: pct(a.connections, a.max_connections) }
        : undefined;
      problems.push({
        code: 'connections-exhausted',
        message:
          'new connections are refused (SQLSTATE 53300)' +
          (a
            ? `: ${a.connections} client connections of max_connections ${a.max_connections} ` +
              `(${a.reserved} reserved for superusers)`
            : ''),
        fix:
          `find who holds them (${adminPsql}, then: select usename, application_name, state, count(*) from ` +
          `pg_stat_activity group by 1, 2, 3), then close idle clients, use a pooler, or raise max_connections`,
      });
    } else if (/password authentication failed/.test(err)) {
      problems.push({
        code: 'password-mismatch',
        message:
          `the app user's password in ${passwordStore} is rejected (SQLSTATE 28P01): the data was ` +
          `initialised with other passwords`,
        fix: 'restore the Secret the data was created with, or reset the password in the pod (README: "Password lost")',
      });
    } else if (/No space left on device|could not extend file/.test(err)) {
      problems.push({ code: 'volume-full', message: `writes fail: ${err}`, fix: growVolume });
    } else if (/No such file or directory|Connection refused|could not connect/.test(err)) {
      problems.push({
        code: 'server-not-accepting',
        message: `PostgreSQL does not accept connections: ${err}`,
        fix: logs,
      });
    } else {
      problems.push({
        code: 'query-failed',
        message: `an authenticated query as the app user failed: ${err}`,
        fix: logs,
      });
    }
    return { problems, warnings, details };
  }

  const f = probe.facts;
  if (f) {
    details.serverVersion = f.version.split(' ')[0];
    details.latencyMs = probe.latencyMs;
    details.databaseSizeBytes = f.database_size;
    const percent = pct(f.connections, f.max_connections);
    details.connections = { used: f.connections, max: f.max_connections, percent };
    if (percent >= LIMITS.connectionsWarnPercent) {
      warnings.push({
        code: 'connections-high',
        message: `${f.connections} of max_connections ${f.max_connections} in use (${percent}%)`,
        fix: 'close idle clients or put a pooler (e.g. PgBouncer) in front before connections run out',
      });
    }
  }
  const applied = probe.migrations ?? [];
  const pending = o.localMigrations.filter((v) => !applied.includes(v));
  details.migrations = { applied: applied.length, pending };
  if (pending.length) {
    // Rolled back on purpose or not, both ways out: apply it again, or take its file away.
    const undone = pending.filter((v) => probe.rolledBack?.includes(v));
    const files = undone.map((v) => `${o.migrationsDir ?? 'db/migrations'}/${v}_*.sql`).join(' ');
    const risky = pending.filter((v) => o.riskyMigrations?.includes(v));
    const apply = risky.length
      ? 'npm run -s db:migrate -- lint --pending, then npm run -s db:migrate'
      : 'npm run -s db:migrate';
    warnings.push({
      code: 'migrations-pending',
      message:
        `${pending.length} migration(s) not applied: ${pending.join(', ')}` +
        (undone.length ? ` (rolled back: ${undone.join(', ')})` : '') +
        (risky.length ? ` (blocking lint finding, up would refuse: ${risky.join(', ')})` : ''),
      fix: undone.length ? `${apply}, or to keep the rolled-back out: rm ${files}` : apply,
    });
  }
  return { problems, warnings, details };
}

/** Versions of dbmate migration files (YYYYMMDDHHMMSS_name.sql), sorted. */
export function migrationVersions(fileNames: readonly string[]): string[] {
  return fileNames
    .map((n) => /^(\d+)_.*\.sql$/.exec(n)?.[1])
    .filter((v): v is string => v !== undefined)
    .sort();
}
