import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/** Module → the modules it imports (relative imports only, `import type` and `export … from` included). */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

/**
 * The import graph of every .ts file under `root`, keyed by path relative to `root`. TypeScript's own scanner reads
 * the imports, so `import type` counts (import-x/no-cycle skips it); `./x.js` specifiers name `./x.ts`.
 */
export function importGraph(root: string): ImportGraph {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(root)) {
    const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('.'))
      .map((specifier) => path.relative(root, path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'))));
    graph.set(path.relative(root, file), [...new Set(targets)].sort());
  }
  return graph;
}

/**
 * Every import cycle, each as the path around it (`a → b → a`), found per strongly connected component (Tarjan):
 * a component of more than one module, or a module importing itself, holds a cycle; one is named per component.
 */
export function findCycles(graph: ImportGraph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component);
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components.map((component) => cycleWithin(graph, new Set(component)));
}

/** One path that leaves the component's first module (in sorted order) and comes back to it, shortest first. */
function cycleWithin(graph: ImportGraph, members: ReadonlySet<string>): string[] {
  const start = [...members].sort()[0]!;
  const from = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length; i += 1) {
    const node = queue[i]!;
    for (const target of graph.get(node) ?? []) {
      if (target === start) {
        const cycle = [start];
        for (let at: string | undefined = node; at !== start && at !== undefined; at = from.get(at)) cycle.splice(1, 0, at);
        return [...cycle, start];
      }
      if (members.has(target) && !from.has(target) && target !== start) {
        from.set(target, node);
        queue.push(target);
      }
    }
  }
  return [start, start];
}
