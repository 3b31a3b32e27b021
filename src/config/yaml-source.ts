/**
 * A YAML file parsed with its positions kept, so every problem can be reported as `file:line:col`.
 */
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, visit, type Document, type Node } from 'yaml';
import type { Problem } from '../errors.js';

export type YamlPath = readonly (string | number)[];

export interface Position {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface YamlSource {
  readonly file: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

export function parseYaml(file: string, text: string): { source: YamlSource; problems: Problem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source = { file, doc, lines };
  const problems = [...doc.errors, ...doc.warnings].map((e) => ({
    ...positionOf(source, e.pos[0]),
    message: `invalid YAML: ${e.message.split('\n')[0]}`,
  }));
  return { source, problems };
}

/**
 * How many nodes aliases may expand to, per anchor (yaml's maxAliasCount): generous for anchors
 * shared by many checks, far below what an alias bomb needs.
 */
export const MAX_ALIAS_COUNT = 1000;

/** The document as plain data; aliases that expand past MAX_ALIAS_COUNT are a problem, not an exhaustion. */
export function dataOf(source: YamlSource): { data: unknown; problems: Problem[] } {
  try {
    return { data: source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), problems: [] };
  } catch (err) {
    if (!(err instanceof ReferenceError)) throw err;
    let at = 0;
    visit(source.doc, {
      Alias(_, node) {
        at = node.range?.[0] ?? 0;
        return visit.BREAK;
      },
    });
    return {
      data: undefined,
      problems: [
        {
          ...positionOf(source, at),
          message: `invalid YAML: ${err.message} (aliases may expand to at most ${MAX_ALIAS_COUNT} nodes each)`,
        },
      ],
    };
  }
}

/** `source` as the value of its top-level `key` alone (package.json's `pushagent`), positions kept. */
export function narrowTo(source: YamlSource, key: string): YamlSource {
  const doc = source.doc.clone();
  const root = doc.contents;
  doc.contents = isMap(root) ? ((root.get(key, true) as Node | undefined) ?? null) : null;
  return { ...source, doc };
}

export function positionOf(source: YamlSource, offset: number): Position {
  const { line, col } = source.lines.linePos(offset);
  return { file: source.file, line, col };
}

/**
 * Where `path` points in the document: its key (`at: 'key'`, for unknown or misplaced keys) or its
 * value. A path that does not exist (a missing key) resolves to the deepest mapping that does.
 */
export function locate(source: YamlSource, path: YamlPath, at: 'key' | 'value' = 'value'): Position {
  let node: unknown = source.doc.contents;
  let keyNode: unknown;
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof seg === 'number' && node.items[seg] !== undefined) {
      keyNode = undefined;
      node = node.items[seg];
    } else {
      break;
    }
  }
  const target = (at === 'key' && keyNode ? keyNode : node) as Node | undefined;
  return positionOf(source, target?.range?.[0] ?? 0);
}

/**
 * The plain scalars at `paths` that YAML read as a number or a boolean, turned back into the text
 * written (`007`, not 7; `1e3`, not 1000; `True`, not true). In place, before `toJS`.
 */
export function keepScalarText(source: YamlSource, paths: readonly YamlPath[]): void {
  for (const path of paths) {
    const node = source.doc.getIn(path, true);
    if (isScalar(node) && ['number', 'bigint', 'boolean'].includes(typeof node.value) && node.source !== undefined)
      node.value = node.source;
  }
}

/** The value at `path` in the parsed document (for messages quoting what was found). */
export function valueAt(data: unknown, path: YamlPath): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}
