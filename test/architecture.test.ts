// The rules of docs/architecture.md, checked on the sources: no file under src/ imports from a
// higher floor (net → bgp/rpki/mrt → store/registry → validation → edge → api/cli/lab), no file
// under src/ is over 500 lines, no exported type name is declared twice under src/, no class
// imports from more than three folders of src/, and nothing in bench/ imports from test/.

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

/** How many folders of src/, besides its own, a file that declares a class may import from. */
const MAX_CLASS_FOLDERS = 3;

/**
 * Class files known to import from more folders, each with why it stays for now; each must still be
 * one (remove it here when it is fixed). None now.
 */
const KNOWN_WIDE_CLASSES = new Map<string, string>();

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

/** The folder of src/ a path under src/ is in: its top-level folder, or the file itself at src/'s root (as in FLOORS). */
const folderOf = (file: string): string => file.split('/')[1]!;

/** Whether a file declares a class (exported or not). */
const declaresClass = (text: string): boolean => /^[ \t]*(?:export\s+)?(?:default\s+)?(?:abstract\s+)?class\s+[A-Za-z_$]/m.test(text);

/**
 * The type, interface, class and enum names a file declares and exports: `export interface X`,
 * `export type X =`, `export class X`, `export const enum X`, ..., and `class X` exported by a list
 * (`export { X }`). Re-exports of imported names (`export type { X } from`, `export { X }` of an
 * import) declare nothing.
 */
function exportedDeclarations(text: string): string[] {
  const names = new Set<string>();
  const declared = /^export\s+(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(?:const\s+)?(?:class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
  for (const m of text.matchAll(declared)) names.add(m[1]!);
  const local = /^(?:declare\s+)?(?:abstract\s+)?(?:const\s+)?(?:class|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
  const locals = new Set([...text.matchAll(local)].map((m) => m[1]!));
  for (const m of text.matchAll(/^export\s+(?:type\s+)?\{([^}]*)\}\s*;/gm)) {
    for (const item of m[1]!.split(',')) {
      const [name, alias] = item
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/);
      if (name && locals.has(name)) names.add(alias ?? name);
    }
  }
  return [...names];
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

test('the declaration parser sees exported types, interfaces, classes and enums, not re-exports', () => {
  const text = [
    'export interface A {}',
    'export type B = string;',
    'export abstract class C {}',
    'export const enum D { X }',
    'export declare class E {}',
    'class F {}',
    'type G = number;',
    'export { F, G as H };',
    "import { I } from './i.js';",
    'export { I };',
    "export type { J } from './j.js';",
    "export { K } from './k.js';",
    'export const L = 1;',
    'export function M() {}',
  ].join('\n');
  assert.deepEqual(exportedDeclarations(text).sort(), ['A', 'B', 'C', 'D', 'E', 'F', 'H']);
});

test('no exported type, interface, class or enum name is declared in two files under src/', () => {
  // One name, one meaning: a reader who meets a type's name knows which one it is. Two parts
  // that need the same thing share one declaration (import it, or re-export it); two different
  // things get names that say how they differ (e.g. the lab routers' AnnouncedRoute and
  // LearnedRoute, bgp's TcpConnection beside the registry's Connection). No exceptions now.
  const where = new Map<string, string[]>();
  for (const file of sources('src')) {
    for (const name of exportedDeclarations(fs.readFileSync(path.join(REPO, file), 'utf8'))) where.set(name, [...(where.get(name) ?? []), file]);
  }
  assert.ok(where.size > 300, `the parser found ${where.size} exported type names in src/: too few to be all of them`);
  const twice = [...where].filter(([, files]) => files.length > 1).map(([name, files]) => `${name}: ${files.join(', ')}`);
  assert.deepEqual(twice, [], 'exported type names declared in more than one file under src/');
});

test('the class finder sees classes, exported or not, and nothing in comments or strings', () => {
  assert.equal(declaresClass('export class A {}'), true);
  assert.equal(declaresClass('x;\nclass LabError extends Error {}'), true);
  assert.equal(declaresClass('export abstract class B {}'), true);
  assert.equal(declaresClass('// a class of its own\n * class C in a comment\nconst s = "class D";'), false);
});

test(`no class imports from more than ${MAX_CLASS_FOLDERS} folders of src/`, () => {
  // A class that reaches into many parts of the program does several jobs (issue 12: the old edge
  // daemon imported from six folders). Counted per file that declares a class: the distinct folders
  // of src/ (a top-level folder, or a file at src/'s root such as bootstrap.ts) that its static,
  // type-only, re-exported and dynamic imports come from, its own folder not counted: the parts of
  // one folder are one concept's parts (the edge daemon wires the edge's), not reach into others.
  const wide = new Map<string, string[]>();
  let classFiles = 0;
  for (const file of sources('src')) {
    const text = fs.readFileSync(path.join(REPO, file), 'utf8');
    if (!declaresClass(text)) continue;
    classFiles++;
    const own = folderOf(file);
    const folders = [...new Set(relativeImports(file, text).map(folderOf))].filter((f) => f !== own).sort();
    if (folders.length > MAX_CLASS_FOLDERS) wide.set(file, folders);
  }
  assert.ok(classFiles > 50, `the class finder found ${classFiles} files with classes in src/: too few to be all of them`);
  assert.deepEqual(
    [...wide].filter(([file]) => !KNOWN_WIDE_CLASSES.has(file)).map(([file, folders]) => `${file}: ${folders.join(', ')}`),
    [],
    `class files importing from more than ${MAX_CLASS_FOLDERS} folders of src/ besides their own`,
  );
  assert.deepEqual(
    [...KNOWN_WIDE_CLASSES.keys()].filter((file) => !wide.has(file)),
    [],
    'known wide class files that are narrow now: remove them from KNOWN_WIDE_CLASSES',
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
