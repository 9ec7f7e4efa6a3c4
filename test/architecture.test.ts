import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The module graph of src/, read from the source: every import, `import type`, `export … from`, `import x =
// require(…)`, dynamic `import(…)` and `import('…').T` type counts as an edge (type-only ones included: a circle
// of types is still a circle in the design).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src');

/** A file under src as 'src/a/b.ts', with forward slashes on every platform. */
type ModuleName = string;

interface ModuleGraph {
  /** Relative imports resolved to files under src. */
  edges: Map<ModuleName, Set<ModuleName>>;
  /** Bare specifiers (packages), e.g. '@slack/bolt', 'node:http'. */
  packages: Map<ModuleName, Set<string>>;
  /** Relative specifiers that name no file (a mistake the graph would hide). */
  unresolved: string[];
}

function tsFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

function nameOf(file: string): ModuleName {
  return relative(ROOT, file).split(sep).join('/');
}

/** Every module specifier a file names, from its syntax tree (so strings and comments never count). */
function specifiersOf(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: string[] = [];
  const literal = (node: ts.Node | undefined) => {
    if (node && ts.isStringLiteralLike(node)) found.push(node.text);
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) literal(node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference))
      literal(node.moduleReference.expression);
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      literal(node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) literal(node.argument.literal);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/** './x.js' from src/a/b.ts → src/a/x.ts (NodeNext: the .js names the .ts beside it), or a folder's index.ts. */
function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const target = resolve(dirname(fromFile), specifier);
  const candidates = [target.replace(/\.js$/, '.ts'), target, `${target}.ts`, join(target, 'index.ts')];
  return candidates.find((candidate) => candidate.endsWith('.ts') && existsSync(candidate));
}

function readGraph(): ModuleGraph {
  const graph: ModuleGraph = { edges: new Map(), packages: new Map(), unresolved: [] };
  for (const file of tsFilesUnder(SRC)) {
    const from = nameOf(file);
    const edges = new Set<ModuleName>();
    const packages = new Set<string>();
    for (const specifier of specifiersOf(file, readFileSync(file, 'utf8'))) {
      if (!specifier.startsWith('.')) {
        packages.add(specifier);
        continue;
      }
      const target = resolveRelative(file, specifier);
      if (target) edges.add(nameOf(target));
      else graph.unresolved.push(`${from}: '${specifier}'`);
    }
    graph.edges.set(from, edges);
    graph.packages.set(from, packages);
  }
  return graph;
}

/**
 * Every circle a depth-first walk meets, each as the path that closes it ('a → b → a'). A graph with a circle
 * always gives at least one: the walk reaches a module that is still on its own path.
 */
function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const onPath = new Set<string>();
  const walk = (node: string): void => {
    path.push(node);
    onPath.add(node);
    for (const next of [...(edges.get(node) ?? [])].sort()) {
      if (onPath.has(next)) cycles.push([...path.slice(path.indexOf(next)), next]);
      else if (!done.has(next)) walk(next);
    }
    path.pop();
    onPath.delete(node);
    done.add(node);
  };
  for (const node of [...edges.keys()].sort()) if (!done.has(node)) walk(node);
  return cycles;
}

/** The import path from `from` (itself included) to the nearest module `isForbidden` accepts, if any. */
function pathTo(
  edges: ReadonlyMap<string, ReadonlySet<string>>,
  from: string,
  isForbidden: (node: string) => boolean,
): string[] | undefined {
  const cameFrom = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  for (let node = queue.shift(); node !== undefined; node = queue.shift()) {
    if (isForbidden(node)) {
      const path = [node];
      for (let back = cameFrom.get(node); back; back = cameFrom.get(back)) path.unshift(back);
      return path;
    }
    for (const next of edges.get(node) ?? []) {
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return undefined;
}

const graphOf = (pairs: Record<string, string[]>) =>
  new Map(Object.entries(pairs).map(([node, next]) => [node, new Set(next)]));

describe('the graph walk itself', () => {
  it('reads every kind of import, and nothing in strings or comments', () => {
    const source = [
      "import { a } from './a.js';",
      "import type { B } from './b.js';",
      "import {\n  type C,\n  d,\n} from './c.js';",
      "export { e } from './e.js';",
      "export type * from './f.js';",
      "import './g.js';",
      "import h = require('./h.js');",
      "const i = await import('./i.js');",
      "let j: import('./j.js').J;",
      "// import { k } from './k.js';",
      'const l = "import { l } from \'./l.js\'";',
      "import { Bolt } from '@slack/bolt';",
    ].join('\n');
    expect(specifiersOf('x.ts', source)).toEqual([
      './a.js',
      './b.js',
      './c.js',
      './e.js',
      './f.js',
      './g.js',
      './h.js',
      './i.js',
      './j.js',
      '@slack/bolt',
    ]);
  });

  it('finds a circle of two, of three and a module importing itself; none in a diamond', () => {
    expect(findCycles(graphOf({ a: ['b'], b: ['a'] }))).toEqual([['a', 'b', 'a']]);
    expect(findCycles(graphOf({ a: ['b'], b: ['c'], c: ['a'], d: ['a'] }))).toEqual([['a', 'b', 'c', 'a']]);
    expect(findCycles(graphOf({ a: ['a'] }))).toEqual([['a', 'a']]);
    expect(findCycles(graphOf({ a: ['b', 'c'], b: ['d'], c: ['d'], d: [] }))).toEqual([]);
  });

  it('finds the path to a forbidden module through others', () => {
    const edges = graphOf({ a: ['b'], b: ['c'], c: [] });
    expect(pathTo(edges, 'a', (node) => node === 'c')).toEqual(['a', 'b', 'c']);
    expect(pathTo(edges, 'b', (node) => node === 'a')).toBeUndefined();
  });
});

describe('architecture of src/', () => {
  const graph = readGraph();

  it('reads the whole of src and resolves every relative import to a file', () => {
    expect(graph.edges.size).toBeGreaterThan(50);
    expect(graph.edges.has('src/bot.ts')).toBe(true);
    expect(graph.unresolved).toEqual([]);
  });

  it('has no import circles (type-only imports included)', () => {
    const cycles = findCycles(graph.edges).map((cycle) => cycle.join(' → '));
    expect(cycles, `import circles in src:\n${cycles.join('\n')}`).toEqual([]);
  });

  // DESIGN.md: the DEX client knows nothing of Slack; the domain talks to Slack only through interfaces it owns.
  // Operations too: the Slack wiring mounts its routes, never the other way round.
  const withoutSlack = ['src/dex/', 'src/captures/', 'src/operations/', 'src/capture-types/', 'src/digest/'];
  const isSlackPackage = (specifier: string) => specifier === '@slack' || specifier.startsWith('@slack/');
  const isSlack = (module: ModuleName) =>
    module.startsWith('src/slack/') || [...(graph.packages.get(module) ?? [])].some(isSlackPackage);

  it.each(withoutSlack)('nothing in %s reaches Slack, directly or through other modules', (layer) => {
    const modules = [...graph.edges.keys()].filter((module) => module.startsWith(layer));
    expect(modules.length, `no modules under ${layer}`).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const module of modules) {
      const path = pathTo(graph.edges, module, isSlack);
      const last = path?.[path.length - 1];
      if (path && last)
        problems.push(`${path.join(' → ')}${last.startsWith('src/slack/') ? '' : ' (imports @slack/*)'}`);
    }
    expect(problems, `${layer} must not depend on Slack:\n${problems.join('\n')}`).toEqual([]);
  });

  // A capture type's descriptor is read by the DEX client, the domain and the UI alike: it depends on none of them,
  // only on the digest that reads its artifact. The digest reads bytes from people's machines and depends on nothing.
  it.each([
    ['src/capture-types/', ['src/capture-types/', 'src/digest/']],
    ['src/digest/', ['src/digest/']],
  ])('%s imports nothing of the bot but %s', (layer, allowed) => {
    const modules = [...graph.edges.keys()].filter((module) => module.startsWith(layer));
    expect(modules.length).toBeGreaterThan(0);
    const outside = modules.flatMap((module) =>
      [...(graph.edges.get(module) ?? [])]
        .filter((target) => !allowed.some((prefix) => target.startsWith(prefix)))
        .map((target) => `${module} → ${target}`),
    );
    expect(outside).toEqual([]);
  });
});
