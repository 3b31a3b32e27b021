/** zod issues turned into located, human problems: what was expected, what was found, where. */
import type { z } from 'zod';
import { describeValue, type Problem } from '../errors.js';
import { locate, type YamlPath, type YamlSource } from './yaml-source.js';

/** Our wording for zod's generic issues; schema-level `error` options take precedence over this. */
export function issueMessage(iss: z.core.$ZodRawIssue): string | undefined {
  switch (iss.code) {
    case 'invalid_type':
      return `expected ${article(iss.expected)}, got ${describeValue(iss.input)}`;
    case 'invalid_value':
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(', ')}, got ${describeValue(iss.input)}`;
    case 'invalid_key':
      return iss.issues[0]?.message ?? `invalid name ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
}

function article(expected: string): string {
  if (expected === 'object' || expected === 'record') return 'a mapping';
  if (expected === 'array') return 'a list';
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

export interface IssueScope {
  readonly source: YamlSource;
  /** Where the validated value sits in the document (e.g. `[2]` for the third check of a list). */
  readonly base: YamlPath;
  /** Prepended to every message, e.g. `check "disk_root": `. */
  readonly prefix: string;
  /** Every key the schemas know, to suggest the one meant by a typo. */
  readonly knownKeys: readonly string[];
}

export function issuesToProblems(issues: readonly z.core.$ZodIssue[], scope: IssueScope): Problem[] {
  const problems: Problem[] = [];
  for (const iss of issues) {
    const path = iss.path.filter((p): p is string | number => typeof p !== 'symbol');
    const where = path.join('.');
    if (iss.code === 'unrecognized_keys') {
      for (const key of iss.keys) {
        // A key of another kind (output: on a tcp check) needs no spelling hint.
        const elsewhere = scope.knownKeys.includes(key);
        const hint = elsewhere ? undefined : suggest(key, scope.knownKeys);
        const why = elsewhere ? ' (it belongs to another kind of check)' : hint ? ` (did you mean "${hint}"?)` : '';
        problems.push({
          ...locate(scope.source, [...scope.base, ...path, key], 'key'),
          message: `${scope.prefix}unknown key "${where ? `${where}.` : ''}${key}"${why}`,
        });
      }
      continue;
    }
    if ((iss.code === 'invalid_type' || iss.code === 'invalid_union') && iss.input === undefined && path.length > 0) {
      problems.push({
        ...locate(scope.source, [...scope.base, ...path.slice(0, -1)], 'value'),
        message: `${scope.prefix}missing required key "${where}"`,
      });
      continue;
    }
    const at = iss.code === 'invalid_key' ? 'key' : 'value';
    problems.push({
      ...locate(scope.source, [...scope.base, ...path], at),
      message: `${scope.prefix}${where ? `${where}: ` : ''}${iss.message}`,
    });
  }
  return problems;
}

/** Every key of an object schema and of the object schemas nested in it, for typo suggestions. */
export function schemaKeys(schema: unknown, into: Set<string> = new Set()): Set<string> {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } })?._zod?.def;
  if (!def) return into;
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, unknown>)) {
      into.add(key);
      schemaKeys(child, into);
    }
  }
  for (const inner of [def.innerType, def.in, ...((def.options as unknown[] | undefined) ?? [])])
    schemaKeys(inner, into);
  return into;
}

/** The known key closest to `key` by edit distance, when close enough to be a typo. */
export function suggest(key: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}
