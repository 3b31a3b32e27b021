/**
 * `${VAR}` and `${VAR:-default}` inside string values of the config file, replaced from the
 * environment so secrets stay out of the file. A default may itself hold references, one level
 * deep, as in a shell or docker compose: `${PGW_URL:-http://${PGW_HOST}:9091}`; it is expanded only
 * when used. `$${` writes a literal `${`. An unset variable without a default is a problem located
 * at its value; so is a reference nested deeper, or malformed.
 */
import { visit } from 'yaml';
import type { Problem } from '../errors.js';
import { positionOf, type YamlSource } from './yaml-source.js';

/**
 * A string holding a valid reference `${NAME}` or `${NAME:-default}` (the JSON Schema of the config accepts it as a
 * value).
 */
export const VAR_REF_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*/;

/** A reference as read: its name, its default's parts when it has one, and its text. */
interface Ref {
  readonly name: string;
  readonly fallback: readonly (string | Ref)[] | undefined;
  readonly text: string;
}

type Read = { ok: true; ref: Ref; end: number } | { ok: false; text: string; end: number };

export function expand(
  text: string,
  env: Readonly<Record<string, string | undefined>>,
): { value: string; missing: string[]; invalid: string[] } {
  const missing: string[] = [];
  const invalid: string[] = [];
  let value = '';
  let pos = 0;
  while (pos < text.length) {
    if (text.startsWith('$${', pos)) {
      value += '${';
      pos += 3;
    } else if (text.startsWith('${', pos)) {
      const read = readRef(text, pos, false);
      if (read.ok) value += evaluate(read.ref, env, missing);
      else {
        invalid.push(read.text);
        value += read.text;
      }
      pos = read.end;
    } else {
      value += text[pos];
      pos += 1;
    }
  }
  return { value, missing, invalid };
}

/** Reads the reference at `start` (`${`); inside a default (`nested`), its own default holds no reference. */
function readRef(text: string, start: number, nested: boolean): Read {
  const name = NAME_RE.exec(text.slice(start + 2))?.[0];
  if (name === undefined) return malformed(text, start);
  let pos = start + 2 + name.length;
  if (text[pos] === '}')
    return { ok: true, ref: { name, fallback: undefined, text: text.slice(start, pos + 1) }, end: pos + 1 };
  if (!text.startsWith(':-', pos)) return malformed(text, start);
  pos += 2;
  const parts: (string | Ref)[] = [];
  let literal = '';
  while (pos < text.length) {
    if (text[pos] === '}') {
      parts.push(literal);
      return { ok: true, ref: { name, fallback: parts, text: text.slice(start, pos + 1) }, end: pos + 1 };
    }
    if (text.startsWith('$${', pos)) {
      literal += '${';
      pos += 3;
    } else if (text.startsWith('${', pos)) {
      const inner = nested ? undefined : readRef(text, pos, true);
      if (!inner?.ok) return malformed(text, start);
      parts.push(literal, inner.ref);
      literal = '';
      pos = inner.end;
    } else {
      literal += text[pos];
      pos += 1;
    }
  }
  return malformed(text, start);
}

/** A malformed reference: from `start` to the `}` that balances its `${` (or the end), kept as written. */
function malformed(text: string, start: number): Read {
  let depth = 0;
  for (let pos = start; pos < text.length; pos += 1) {
    if (text.startsWith('${', pos)) {
      depth += 1;
      pos += 1;
    } else if (text[pos] === '}' && --depth === 0) {
      return { ok: false, text: text.slice(start, pos + 1), end: pos + 1 };
    }
  }
  return { ok: false, text: text.slice(start), end: text.length };
}

/**
 * The variable's value; when unset (or empty, with a default), the default's, expanded; else the reference as written,
 * reported missing.
 */
function evaluate(ref: Ref, env: Readonly<Record<string, string | undefined>>, missing: string[]): string {
  const v = env[ref.name];
  if (v !== undefined && (v !== '' || ref.fallback === undefined)) return v;
  if (ref.fallback !== undefined)
    return ref.fallback.map((p) => (typeof p === 'string' ? p : evaluate(p, env, missing))).join('');
  missing.push(ref.name);
  return ref.text;
}

/** Expands every string scalar value (not keys) of the document in place; returns the problems. */
export function expandDocument(source: YamlSource, env: Readonly<Record<string, string | undefined>>): Problem[] {
  const problems: Problem[] = [];
  visit(source.doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const r = expand(node.value, env);
      const at = positionOf(source, node.range?.[0] ?? 0);
      for (const name of r.missing)
        problems.push({
          ...at,
          message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)`,
        });
      for (const ref of r.invalid) {
        problems.push({
          ...at,
          message: `invalid variable reference "${ref}": expected \${NAME} or \${NAME:-default}, a default holding references one level deep at most`,
        });
      }
      node.value = r.value;
    },
  });
  return problems;
}
