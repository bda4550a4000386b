// Which dbmate a platform gets. dbmate publishes one npm package per platform, but not every release
// for every one: @dbmate/linux-arm64 (like linux-arm, darwin-*) stops at 2.24.0 while linux-x64 has
// the pinned 2.36.0. A pod on arm64 (minikube or kind on Apple silicon, Graviton nodes) then gets the
// newest build published for it, and the output says so.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { toolError } from '../cli/errors.ts';
import { runProcess } from '../cli/process-runner.ts';

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split(/[.-]/).map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d) return d;
  }
  return 0;
}

/** The pinned version where it is published, else the newest release (no pre-releases); null: none. */
export function chooseDbmateVersion(published: readonly string[], pinned: string): string | null {
  if (published.includes(pinned)) return pinned;
  const releases = published.filter((v) => /^\d+\.\d+\.\d+$/.test(v)).sort(compareVersions);
  return releases.at(-1) ?? null;
}

/** `npm view PKG versions --json`: an array, or a bare string when only one version exists. */
export async function publishedVersions(pkg: string): Promise<string[]> {
  const r = await runProcess('npm', ['view', pkg, 'versions', '--json'], { timeoutMs: 60_000, toolName: 'npm' });
  const fix = `npm view ${pkg} versions; pass --dbmate-binary PATH to a dbmate built for the pod`;
  if (r.exitCode !== 0)
    throw toolError(`could not list the published versions of ${pkg}: ${r.stderr.trim().split('\n')[0] ?? ''}`, fix);
  try {
    const v = JSON.parse(r.stdout) as unknown;
    return (Array.isArray(v) ? v : [v]).map(String);
  } catch {
    throw toolError(`npm view ${pkg} versions printed no JSON list`, fix);
  }
}

/** The version chosen for each package last time, so later runs find the download without asking npm. */
export function readChosenVersion(file: string, pkg: string): string | null {
  try {
    const chosen = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)[pkg];
    return typeof chosen === 'string' ? chosen : null;
  } catch {
    return null;
  }
}

export function writeChosenVersion(file: string, pkg: string, version: string): void {
  let all: Record<string, string> = {};
  try {
    if (existsSync(file)) all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch {
    // unreadable: start over
  }
  try {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(`${file}.${process.pid}`, JSON.stringify({ ...all, [pkg]: version }));
    renameSync(`${file}.${process.pid}`, file);
  } catch {
    // a read-only node_modules only costs one npm view next time
  }
}
