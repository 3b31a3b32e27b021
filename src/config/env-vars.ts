/**
 * `${VAR}` and `${VAR:-default}` inside string values of the config file, replaced from the
 * environment so secrets stay out of the file. `$${` writes a literal `${`. An unset variable
 * without a default is a problem located at its value.
 */
import { visit } from 'yaml';
import type { Problem } from '../errors.js';
import { positionOf, type YamlSource } from './yaml-source.js';

/** A valid reference: `${NAME}` or `${NAME:-default}` (the JSON Schema of the config accepts it as a value). */
export const VAR_REF_RE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/;
/** `$${` (a literal `${`), a valid reference, or an invalid one. */
const REF_RE = new RegExp(String.raw`\$\$\{|${VAR_REF_RE.source}|\$\{[^}]*\}?`, 'g');

export function expand(text: string, env: Readonly<Record<string, string | undefined>>): { value: string; missing: string[]; invalid: string[] } {
  const missing: string[] = [];
  const invalid: string[] = [];
  const value = text.replace(REF_RE, (ref: string, name: string | undefined, fallback: string | undefined) => {
    if (ref === '$${') return '${';
    if (name === undefined) {
      invalid.push(ref);
      return ref;
    }
    const v = env[name];
    if (v !== undefined && (v !== '' || fallback === undefined)) return v;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return ref;
  });
  return { value, missing, invalid };
}

/** Expands every string scalar value (not keys) of the document in place; returns the problems. */
export function expandDocument(source: YamlSource, env: Readonly<Record<string, string | undefined>>): Problem[] {
  const problems: Problem[] = [];
  visit(source.doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const r = expand(node.value, env);
      const at = positionOf(source, node.range?.[0] ?? 0);
      for (const name of r.missing) problems.push({ ...at, message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)` });
      for (const ref of r.invalid) problems.push({ ...at, message: `invalid variable reference "${ref}": expected \${NAME} or \${NAME:-default}` });
      node.value = r.value;
    },
  });
  return problems;
}
