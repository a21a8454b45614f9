// The rules of docs/architecture.md, checked on the sources: no file under src/ imports from a
// higher floor (net → bgp/rpki/mrt → store/registry → validation → edge → api/cli/lab), no file
// under src/ is over 500 lines, nothing in bench/ imports from test/, and PrefixKey has one
// declaration.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const MAX_LINES = 500;

/** Each top-level folder of src/ (and file at its root) on its floor; a file may import from its floor and those below. */
const FLOORS: Record<string, number> = {
  net: 0,
  bgp: 1,
  rpki: 1,
  mrt: 1,
  store: 2,
  registry: 2,
  'bootstrap.ts': 2, // opens the store and the registry over it
  validation: 3,
  edge: 4,
  api: 5,
  cli: 5,
  lab: 5,
};

/** Upward imports that are known and have to go; each must still exist (remove it here when it is fixed). None now. */
const KNOWN_UPWARD = new Set<string>();

/** Every .ts file below `dir` (relative to the repository, with forward slashes). */
function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(path.join(REPO, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) out.push(...sources(rel));
    else if (e.name.endsWith('.ts')) out.push(rel);
  }
  return out.sort();
}

/** The relative module specifiers a file imports or re-exports, statically or dynamically, as repository paths. */
function relativeImports(file: string, text: string): string[] {
  const specs: string[] = [];
  const patterns = [/^\s*(?:import|export)\s[^;]*?\sfrom\s*['"]([^'"]+)['"]/gms, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const re of patterns) for (const m of text.matchAll(re)) specs.push(m[1]!);
  return specs.filter((s) => s.startsWith('.')).map((s) => path.posix.normalize(path.posix.join(path.posix.dirname(file), s)).replace(/\.js$/, '.ts'));
}

/** The floor of a path under src/, or undefined when its top-level folder has none. */
function floorOf(file: string): number | undefined {
  const top = file.split('/')[1]!;
  return FLOORS[top];
}

test('the import parser sees static, type-only, re-exported and dynamic imports', () => {
  const text = [
    "import { a } from './a.js';",
    "import type {\n  B,\n  C,\n} from '../edge/b.js';",
    "export { d } from './d.js';",
    "import './side-effect.js';",
    "const m = await import('../api/server.js');",
    "import fs from 'node:fs';",
  ].join('\n');
  assert.deepEqual(relativeImports('src/validation/x.ts', text).sort(), [
    'src/api/server.ts',
    'src/edge/b.ts',
    'src/validation/a.ts',
    'src/validation/d.ts',
    'src/validation/side-effect.ts',
  ]);
});

test('no file under src/ imports from a higher floor', () => {
  const upward: string[] = [];
  const noFloor: string[] = [];
  let edges = 0;
  for (const file of sources('src')) {
    const from = floorOf(file);
    if (from === undefined) {
      noFloor.push(file);
      continue;
    }
    for (const target of relativeImports(file, fs.readFileSync(path.join(REPO, file), 'utf8'))) {
      edges++;
      const to = floorOf(target);
      if (to === undefined) noFloor.push(`${file} -> ${target}`);
      else if (to > from) upward.push(`${file} -> ${target}`);
    }
  }
  assert.ok(edges > 500, `the parser found ${edges} imports in src/: too few to be all of them`);
  assert.deepEqual(noFloor, [], 'every folder of src/ has a floor in docs/architecture.md and in FLOORS here');
  assert.deepEqual(
    upward.filter((u) => !KNOWN_UPWARD.has(u)),
    [],
    'imports from a higher floor (see docs/architecture.md)',
  );
  assert.deepEqual(
    [...KNOWN_UPWARD].filter((k) => !upward.includes(k)),
    [],
    'known upward imports that are gone: remove them from KNOWN_UPWARD',
  );
});

test(`no file under src/ is over ${MAX_LINES} lines`, () => {
  const long = sources('src')
    .map((file) => ({ file, lines: fs.readFileSync(path.join(REPO, file), 'utf8').replace(/\n$/, '').split('\n').length }))
    .filter((f) => f.lines > MAX_LINES)
    .map((f) => `${f.file}: ${f.lines} lines`);
  assert.deepEqual(long, []);
});

test('nothing in bench/ imports from test/', () => {
  const bad = sources('bench').flatMap((file) =>
    relativeImports(file, fs.readFileSync(path.join(REPO, file), 'utf8'))
      .filter((t) => t.startsWith('test/'))
      .map((t) => `${file} -> ${t}`),
  );
  assert.deepEqual(bad, []);
});

test('PrefixKey is declared in exactly one file: src/net/prefix-key.ts (one prefix key, one encoding)', () => {
  // A type alias, interface, class or enum of that name (not `type PrefixKey` in an import list).
  const declaration = /^\s*(?:export\s+)?(?:declare\s+)?(?:type\s+PrefixKey\s*(?:<[^>]*>)?\s*=|(?:interface|class|enum)\s+PrefixKey\b)/m;
  const declaring = [...sources('src'), ...sources('test'), ...sources('bench')].filter((file) =>
    declaration.test(fs.readFileSync(path.join(REPO, file), 'utf8')),
  );
  assert.deepEqual(declaring, ['src/net/prefix-key.ts']);
});
