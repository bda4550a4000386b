// One file out of an npm package, whatever this machine's platform: a platform package (a dbmate or
// squawk build) installs only where it runs, but `npm pack` fetches its tarball anywhere; tar takes the
// file out and it lands at `target`, executable.
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { runProcess } from './process-runner.ts';

export type PackedFile = { ok: true } | { ok: false; step: 'fetch' | 'unpack'; detail: string; tarball: string };

/** `file` is the path inside the package (bin/dbmate); nothing is left at `target` when it fails. */
export async function fetchPackedFile(pkg: string, version: string, file: string, target: string): Promise<PackedFile> {
  const work = mkdtempSync(join(tmpdir(), 'npm-pack-'));
  try {
    const pack = await runProcess('npm', ['pack', `${pkg}@${version}`, '--silent', '--pack-destination', work], {
      timeoutMs: 120_000,
      toolName: 'npm',
    });
    const tarball = pack.stdout.trim().split('\n').at(-1) ?? '';
    if (pack.exitCode !== 0 || !tarball)
      return { ok: false, step: 'fetch', detail: pack.stderr.trim().split('\n')[0] ?? '', tarball };
    const inner = `package/${file}`;
    const untar = await runProcess('tar', ['-xzf', join(work, tarball), '-C', work, inner], { toolName: 'tar' });
    if (untar.exitCode !== 0) return { ok: false, step: 'unpack', detail: untar.stderr.trim(), tarball };
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(work, inner), target);
    chmodSync(target, 0o755);
    return { ok: true };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
