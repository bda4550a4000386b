// Starts one script: `node scripts/launch.mjs deploy --upgrade` runs scripts/deploy.ts with --upgrade.
// A Node that strips TypeScript types itself (22.18+, 24) imports the .ts as it is; older Node (20)
// registers tsx first. So `npm run -s db:*` pays tsx's start-up only where Node cannot do without it.
// Plain JavaScript on purpose: it must run before anything can read TypeScript.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const name = process.argv[2] ?? '';
const script = join(here, `${name}.ts`);
if (!/^[a-z][a-z-]*$/.test(name) || !existsSync(script)) {
  process.stderr.write(`error: no script "${name}" in ${here} (fix: npm run for the db:* commands)\n`);
  process.exit(2);
}
// The script reads its arguments from process.argv.slice(2), as when node runs it by its own path.
process.argv.splice(1, 2, script);
if (!process.features.typescript) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(pathToFileURL(script).href);
