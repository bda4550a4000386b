// dbmate runs inside the pod, so it must be the binary for the POD's architecture (always Linux),
// never the host's. package.json carries @dbmate/linux-x64 as an optional dependency (the usual pod;
// npm skips it on other hosts); any other build is fetched once with `npm pack` into
// node_modules/.cache (the pinned version, or the newest published for that platform), or named with
// --dbmate-binary.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolError, usageError } from '../cli/errors.ts';
import { fetchPackedFile } from '../cli/npm-pack.ts';
import { chooseDbmateVersion, publishedVersions, readChosenVersion, writeChosenVersion } from './dbmate-release.ts';

/** Where the binary lives in the pod: /tmp is the chart's writable emptyDir. */
export const DBMATE_IN_POD = '/tmp/dbmate';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** `uname -m` → the npm package with that binary: Linux for a pod, this machine's OS for the local target. */
export function dbmatePackageFor(unameM: string, os: string = 'linux'): string | null {
  const arch: Record<string, string> = {
    x86_64: 'x64',
    amd64: 'x64',
    aarch64: 'arm64',
    arm64: 'arm64',
    armv7l: 'arm',
    armv6l: 'arm',
    i686: 'ia32',
    i386: 'ia32',
  };
  const a = arch[unameM.trim()];
  return a && ['linux', 'darwin', 'win32'].includes(os) ? `@dbmate/${os}-${a}` : null;
}

/** The dbmate every platform gets where it is published (dbmate-release.ts); package.json pins linux-x64's. */
export const DBMATE_VERSION = '2.36.0';

export interface LocalBinary {
  path: string;
  sha256: string;
  /** The dbmate version ('' for --dbmate-binary); not DBMATE_VERSION where the platform has no build of it. */
  version: string;
  /** How it was found, for --debug and the output. */
  source: 'flag' | 'node_modules' | 'cache' | 'downloaded';
}

/** Streamed, so hashing the 30 MB binary overlaps with the cluster calls instead of blocking them. */
async function hashFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The binary's sha256, remembered beside the downloaded builds with the file's size, inode and
 * modification time: a migration run does not read 34 MB to learn what it knew last time.
 */
async function sha256(file: string, cacheFile: string): Promise<string> {
  const st = statSync(file);
  const id = `${st.size} ${st.ino} ${st.mtimeMs}`;
  let cache: Record<string, { id: string; sha256: string }> = {};
  try {
    cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as typeof cache;
  } catch {
    // none yet, or unreadable: hash and start over
  }
  const hit = cache[file];
  if (hit?.id === id && /^[0-9a-f]{64}$/.test(hit.sha256)) return hit.sha256;
  const sum = await hashFile(file);
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(`${cacheFile}.${process.pid}`, JSON.stringify({ ...cache, [file]: { id, sha256: sum } }));
    renameSync(`${cacheFile}.${process.pid}`, cacheFile);
  } catch {
    // a read-only node_modules only costs the hash next time
  }
  return sum;
}

/** This machine's architecture in `uname -m` words: the likely pod architecture on a local cluster. */
export function hostUnameM(arch: string = process.arch): string {
  return ({ x64: 'x86_64', arm64: 'aarch64', arm: 'armv7l', ia32: 'i686' } as Record<string, string>)[arch] ?? arch;
}

/** Candidate paths in the order they are tried (pure: the unit tests check the order). */
export function dbmateCandidates(
  pkg: string,
  version: string,
  root = ROOT,
): Array<{ path: string; source: LocalBinary['source'] }> {
  return [
    { path: join(root, 'node_modules', pkg, 'bin/dbmate'), source: 'node_modules' },
    {
      path: join(root, 'node_modules/.cache/dbmate', `${pkg.replace('/', '+')}@${version}`, 'dbmate'),
      source: 'cache',
    },
  ];
}

export async function localDbmateFor(
  unameM: string,
  o: { override?: string | undefined; root?: string; os?: string } = {},
): Promise<LocalBinary> {
  const root = o.root ?? ROOT;
  const hashes = join(root, 'node_modules/.cache/dbmate/sha256.json');
  if (o.override) {
    if (!existsSync(o.override))
      throw usageError(
        `--dbmate-binary ${o.override} does not exist`,
        'point --dbmate-binary (DBMATE_POD_BINARY) at a Linux dbmate binary for the pod',
      );
    return { path: o.override, sha256: await sha256(o.override, hashes), source: 'flag', version: '' };
  }
  const pkg = dbmatePackageFor(unameM, o.os);
  if (!pkg)
    throw toolError(
      `dbmate has no ${o.os ?? 'linux'} build for "${unameM.trim()}"`,
      'pass --dbmate-binary PATH to a dbmate built for it',
    );
  const chosenFile = join(root, 'node_modules/.cache/dbmate/chosen.json');
  const found = async (version: string): Promise<LocalBinary | null> => {
    for (const c of dbmateCandidates(pkg, version, root)) {
      // node_modules may hold another version of a foreign package; the host's own is what npm ci put there.
      if (
        existsSync(c.path) &&
        (c.source !== 'node_modules' || packageVersion(join(root, 'node_modules', pkg)) === version)
      ) {
        return { path: c.path, sha256: await sha256(c.path, hashes), source: c.source, version };
      }
    }
    return null;
  };
  const earlier = readChosenVersion(chosenFile, pkg);
  const local = (await found(DBMATE_VERSION)) ?? (earlier ? await found(earlier) : null);
  if (local) return local;
  const version = chooseDbmateVersion(await publishedVersions(pkg), DBMATE_VERSION);
  if (!version)
    throw toolError(`${pkg} has no published release`, 'pass --dbmate-binary PATH to a dbmate built for it');
  const cached = dbmateCandidates(pkg, version, root)[1]!.path;
  if (!existsSync(cached)) await download(pkg, version, cached);
  writeChosenVersion(chosenFile, pkg, version);
  return { path: cached, sha256: await sha256(cached, hashes), source: 'downloaded', version };
}

function packageVersion(dir: string): string | null {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return null;
  }
}

/** `npm pack` fetches a package whatever the host platform; the tarball holds package/bin/dbmate. */
async function download(pkg: string, version: string, target: string): Promise<void> {
  const fix =
    `npm pack ${pkg}@${version} and pass --dbmate-binary PATH/package/bin/dbmate (or use a cluster whose ` +
    `nodes match this machine)`;
  const r = await fetchPackedFile(pkg, version, 'bin/dbmate', target);
  if (r.ok) return;
  throw toolError(
    r.step === 'fetch'
      ? `could not fetch ${pkg}@${version} for the pod: ${r.detail}`
      : `could not unpack ${r.tarball}: ${r.detail}`,
    fix,
  );
}
