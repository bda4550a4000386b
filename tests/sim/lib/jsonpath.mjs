// kubectl's JSONPath templates, the common subset: fields, ['key'], [n], [*], [?(@.a=="b")],
// {range …}{end} and quoted literals. Missing keys print nothing, as kubectl allows them.

export function renderJsonPath(template, data) {
  const tokens = tokenize(template);
  let out = '';
  const run = (start, end, ctx) => {
    for (let i = start; i < end; i++) {
      const t = tokens[i];
      if (t.type === 'text') out += t.value;
      else if (t.type === 'range') {
        const close = matchingEnd(tokens, i);
        for (const item of evaluate(t.expr, ctx, data)) run(i + 1, close, item);
        i = close;
      } else if (t.type === 'expr') {
        out += evaluate(t.expr, ctx, data).map(format).join(' ');
      }
    }
  };
  run(0, tokens.length, data);
  return out;
}

function tokenize(template) {
  const tokens = [];
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{', i);
    if (open === -1) {
      tokens.push({ type: 'text', value: template.slice(i) });
      break;
    }
    if (open > i) tokens.push({ type: 'text', value: template.slice(i, open) });
    const close = findClose(template, open);
    const body = template.slice(open + 1, close).trim();
    if (/^"(.*)"$/s.test(body)) tokens.push({ type: 'text', value: JSON.parse(body) });
    else if (body.startsWith('range ')) tokens.push({ type: 'range', expr: body.slice(6).trim() });
    else if (body === 'end') tokens.push({ type: 'end' });
    else tokens.push({ type: 'expr', expr: body });
    i = close + 1;
  }
  return tokens;
}

function findClose(s, open) {
  let depth = 0;
  let quote = null;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote && s[i - 1] !== '\\') quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  throw new JsonPathError(`unclosed action`);
}

function matchingEnd(tokens, start) {
  let depth = 0;
  for (let i = start; i < tokens.length; i++) {
    if (tokens[i].type === 'range') depth++;
    if (tokens[i].type === 'end' && --depth === 0) return i;
  }
  throw new JsonPathError('not in range, nothing to end');
}

export class JsonPathError extends Error {}

function evaluate(expr, ctx, root) {
  let nodes = [expr.startsWith('$') ? root : ctx];
  const path = expr.replace(/^[$@]/, '');
  // .name or ..name, ['name'], ["name"], [index], [*], [?(filter)]
  const re = new RegExp(
    [
      String.raw`\.\.?([A-Za-z0-9_\-/]+|\*)`,
      String.raw`\[\s*'([^']*)'\s*\]`,
      String.raw`\[\s*"([^"]*)"\s*\]`,
      String.raw`\[\s*(-?\d+)\s*\]`,
      String.raw`\[\s*\*\s*\]`,
      String.raw`\[\s*\?\((.*?)\)\s*\]`,
    ].join('|'),
    'y',
  );
  let pos = 0;
  while (pos < path.length) {
    re.lastIndex = pos;
    const m = re.exec(path);
    if (!m) throw new JsonPathError(`unrecognized identifier ${path.slice(pos)}`);
    pos = re.lastIndex;
    const [, field, sq, dq, index, filter] = m;
    const name = field ?? sq ?? dq;
    const next = [];
    for (const n of nodes) {
      if (n === null || n === undefined) continue;
      if (name === '*' || (m[0].startsWith('[') && m[0].replace(/\s/g, '') === '[*]')) {
        next.push(...(Array.isArray(n) ? n : typeof n === 'object' ? Object.values(n) : []));
      } else if (name !== undefined) {
        if (typeof n === 'object' && name in n) next.push(n[name]);
      } else if (index !== undefined) {
        if (Array.isArray(n)) {
          const k = Number(index) < 0 ? n.length + Number(index) : Number(index);
          if (k >= 0 && k < n.length) next.push(n[k]);
        }
      } else if (filter !== undefined && Array.isArray(n)) {
        next.push(...n.filter((item) => matchFilter(filter, item)));
      }
    }
    nodes = next;
  }
  return nodes;
}

function matchFilter(filter, item) {
  const m = filter.match(/^@((?:\.[A-Za-z0-9_\-/]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(\S+))$/);
  if (!m) {
    const exists = filter.match(/^@((?:\.[A-Za-z0-9_\-/]+)+)$/);
    if (exists) return evaluate(exists[1], item, item).length > 0;
    throw new JsonPathError(`unsupported filter ${filter}`);
  }
  const [, p, op, s1, s2, bare] = m;
  const want = s1 ?? s2 ?? bare;
  const got = evaluate(p, item, item)[0];
  const equal = got !== undefined && String(got) === want;
  return op === '==' ? equal : !equal;
}

function format(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}
