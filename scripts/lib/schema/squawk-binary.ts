// Where this machine's squawk binary is: node_modules, or a build fetched once for another platform.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolError } from '../cli/errors.ts';
import { fetchPackedFile } from '../cli/npm-pack.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** package.json pins @squawk-cli/linux-x64 to it (optional, as dbmate's binary: the wrapper package's
 * optional dependencies for other platforms are not all in every registry, which breaks npm ci). */
export const SQUAWK_VERSION = '2.66.0';

/**
 * This machine's squawk: from node_modules (linux-x64, the optional dependency), else fetched once with
 * `npm pack` into node_modules/.cache/squawk (a Mac, an arm64 laptop), as dbmate's other builds are.
 */
export async function squawkBinary(): Promise<string> {
  const pkg = `@squawk-cli/${process.platform}-${process.arch}`;
  const installed = join(ROOT, 'node_modules', pkg, 'bin/squawk');
  if (existsSync(installed)) return installed;
  const cached = join(ROOT, 'node_modules/.cache/squawk', `${pkg.replace('/', '+')}@${SQUAWK_VERSION}`, 'squawk');
  if (existsSync(cached)) return cached;
  const fetched = await fetchPackedFile(pkg, SQUAWK_VERSION, 'bin/squawk', cached);
  if (!fetched.ok)
    throw toolError(
      `squawk (the migration linter) is not installed for ${process.platform}-${process.arch}`,
      `npm install --no-save ${pkg}@${SQUAWK_VERSION}`,
    );
  return cached;
}
