// Regenerates the doubles' flag tables from the real binaries' --help, so the doubles accept
// exactly the flags the real tools accept. Run: node tests/sim/flags/generate.mjs [--check]
// (needs tests/real-tools/install to have extracted helm3, helm4 and kubectl).
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const tools = path.join(here, '..', '..', '..', 'node_modules', '.cache', 'real-tools');

const COMMANDS = {
  kubectl: [
    'version',
    'cluster-info',
    'config current-context',
    'get',
    'create',
    'create namespace',
    'create secret generic',
    'delete',
    'exec',
    'logs',
    'wait',
    'scale',
    'patch',
    'port-forward',
  ],
  helm: ['version', 'list', 'status', 'upgrade', 'install', 'uninstall', 'get values', 'history', 'rollback'],
};

// Flags whose bare form takes a default value (pflag NoOptDefVal); --help does not show it for kubectl.
const KUBECTL_OPTIONAL = { 'dry-run': 'unchanged', validate: 'strict', cascade: 'background' };
// Deprecated flags cobra hides from --help but still accepts.
const HIDDEN = {
  helm4: {
    upgrade: { atomic: { type: 'bool', deprecated: 'use --rollback-on-failure instead' } },
    install: { atomic: { type: 'bool', deprecated: 'use --rollback-on-failure instead' } },
    rollback: {},
  },
  helm3: {},
  kubectl: {},
};

function help(bin, words) {
  const out = spawnSync(path.join(tools, bin), [...words.split(' '), '--help'], {
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: '/dev/null' },
  });
  if (out.status !== 0) throw new Error(`${bin} ${words} --help failed: ${out.stderr}`);
  return out.stdout;
}

// kubectl: "    -c, --container='':" — the default tells the type.
function parseKubectl(text) {
  const flags = {};
  for (const m of text.matchAll(/^\s{4}(?:-(\w), )?--([\w-]+)=(.*):$/gm)) {
    const [, short, name, def] = m;
    const type =
      def === 'false' || def === 'true'
        ? 'bool'
        : def === '[]'
          ? 'array'
          : KUBECTL_OPTIONAL[name]
            ? 'optional'
            : 'string';
    flags[name] = {
      ...(short ? { short } : {}),
      type,
      ...(type === 'optional' ? { optDefault: KUBECTL_OPTIONAL[name] } : {}),
    };
  }
  return flags;
}

// helm (cobra default usage): "  -f, --values strings   …", "      --wait WaitStrategy[=watcher]   …"
function parseHelm(text) {
  const flags = {};
  for (const m of text.matchAll(/^\s{2}(?:-(\w), |\s{4})--([\w-]+)(?: ([\w.]+)(?:\[="?([^"\]]*)"?\])?)?\s{2,}/gm)) {
    const [, short, name, typeWord, optDefault] = m;
    if (name === 'help') continue;
    let type = 'string';
    if (!typeWord) type = 'bool';
    else if (optDefault !== undefined) type = 'optional';
    else if (/Array|strings|Slice|stringToString/.test(typeWord)) type = 'array';
    flags[name] = { ...(short ? { short } : {}), type, ...(optDefault !== undefined ? { optDefault } : {}) };
  }
  return flags;
}

function table(tool, bin) {
  const parse = tool === 'kubectl' ? parseKubectl : parseHelm;
  const out = { global: {}, commands: {} };
  if (tool === 'kubectl')
    out.global = parseKubectl(spawnSync(path.join(tools, bin), ['options'], { encoding: 'utf8' }).stdout);
  for (const words of COMMANDS[tool]) {
    const text = help(bin, words);
    if (tool === 'helm') {
      const [local, global] = text.split(/^Global Flags:$/m);
      out.global = parseHelm(global ?? '');
      out.commands[words] = { ...parseHelm(local), ...(HIDDEN[bin][words] ?? {}) };
    } else {
      out.commands[words] = parse(text.split(/^Usage:$/m)[0]);
    }
  }
  return out;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const [tool, bin] of [
  ['kubectl', 'kubectl'],
  ['helm', 'helm3'],
  ['helm', 'helm4'],
]) {
  const file = path.join(here, `${bin}.json`);
  const text = JSON.stringify(table(tool, bin), null, 1) + '\n';
  if (check) {
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text) {
      console.log(`${bin}.json differs from ${bin} --help`);
      stale++;
    }
  } else fs.writeFileSync(file, text);
}
process.exitCode = stale ? 1 : 0;
