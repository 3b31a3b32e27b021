/**
 * JSON Schemas (draft 2020-12) of the check files and of the config file, for editors
 * (yaml-language-server: completion, hover text, errors as you type). Generated from the zod schemas
 * the loader uses, so they cannot drift; test/config/json-schema.test.ts keeps the committed copies
 * in schema/ current (`UPDATE_SCHEMA=1 npm test` rewrites them). Pure functions.
 *
 * A schema sees one file's shape: keys, types, patterns, ranges. Rules between keys (timeout at most
 * the interval, interval or schedule, output and metric), between files (unique names, one type per
 * metric name) and refinements zod cannot export (a cron expression's fields, a URL) stay the
 * loader's: `pushagent validate` is the authority.
 */
import { z } from 'zod';
import type { CheckKind } from '../checks/kind.js';
import { KINDS } from '../checks/registry.js';
import { agentSchema } from './agent-schema.js';
import { checkSchemaOf } from './check-schema.js';
import { VAR_REF_RE } from './env-vars.js';

export type JsonSchema = { [key: string]: unknown };

const DRAFT = 'https://json-schema.org/draft/2020-12/schema';

/** A check file: one check (a mapping) or a list of them; each has the common keys and one kind's. */
export function checkFileJsonSchema(kinds: readonly CheckKind<unknown>[] = KINDS): JsonSchema {
  const variants = Object.fromEntries(kinds.map((k) => [`${k.name}_check`, kindVariant(k)]));
  return {
    $schema: DRAFT,
    title: 'pushagent check file',
    description:
      'One check (a mapping) or a list of checks. `pushagent validate` checks what a schema cannot: timeouts against intervals, unique names across files.',
    anyOf: [{ $ref: '#/$defs/check' }, { type: 'array', items: { $ref: '#/$defs/check' } }],
    $defs: {
      check: {
        title: 'check',
        description: `A check: name, interval or schedule, timeout, kill_grace, labels, and the keys of exactly one kind, chosen by its key: ${kinds.map((k) => k.triggers.join(' or ')).join(', ')}.`,
        anyOf: Object.keys(variants).map((name) => ({ $ref: `#/$defs/${name}` })),
      },
      ...variants,
    },
  };
}

/**
 * One kind's check, from the very schema the loader validates it with. Its trigger keys are
 * alternatives (exec: `command` or `argv`): the check has exactly one of them. Another kind's keys
 * are unknown keys here, so a check with two kinds' keys matches no variant.
 */
function kindVariant(kind: CheckKind<unknown>): JsonSchema {
  const schema = fromZod(checkSchemaOf(kind));
  const required = (schema.required as string[] | undefined) ?? [];
  const trigger =
    kind.triggers.length === 1
      ? { required: [...new Set([...required, ...kind.triggers])] }
      : { oneOf: kind.triggers.map((t) => ({ required: [t] })) };
  return { title: `${kind.name} check`, ...schema, ...trigger };
}

/** The config file (`pushagent.config.yaml`, `-c FILE`). */
export function configFileJsonSchema(): JsonSchema {
  const schema = fromZod(agentSchema);
  return {
    $schema: DRAFT,
    title: 'pushagent config file',
    description:
      'pushagent configuration. Unknown keys are errors. String values may hold ${VAR} or ${VAR:-default}, replaced from the environment.',
    ...(acceptEnvRefs(schema) as JsonSchema),
    $defs: { env_reference: ENV_REFERENCE },
  };
}

/**
 * A zod schema as the JSON Schema of what a user writes (`io: 'input'`: a duration is its text,
 * transforms and defaults as written), without `$schema`, to be placed in a document. Shared
 * schemas are inlined; one with an `id` would become a `$defs` entry that does not survive nesting.
 */
function fromZod(schema: z.ZodType): JsonSchema {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  if (json.$defs !== undefined)
    throw new Error(
      `unexpected $defs (${Object.keys(json.$defs as object).join(', ')}): give shared zod schemas no id`,
    );
  return json;
}

/** A string holding a `${NAME}` or `${NAME:-default}` reference, as env-vars.ts expands them. */
const ENV_REFERENCE = {
  description:
    'A value with a ${VAR} or ${VAR:-default} reference, replaced from the environment when the config is loaded.',
  type: 'string',
  pattern: VAR_REF_RE.source,
};

/**
 * The config's string values are expanded before they are validated, so a value with a `${VAR}`
 * reference is accepted as it is where a pattern or a list of words applies (a duration, `method`):
 * what it becomes is known only at load. Keys (`propertyNames`) are never expanded.
 */
function acceptEnvRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(acceptEnvRefs);
  if (node === null || typeof node !== 'object') return node;
  const entries = Object.entries(node).map(
    ([k, v]) => [k, k === 'propertyNames' || k === 'default' ? v : acceptEnvRefs(v)] as const,
  );
  const schema = Object.fromEntries(entries) as JsonSchema;
  if (schema.type !== 'string' || (schema.pattern === undefined && schema.enum === undefined)) return schema;
  const { title, description, default: dflt, ...literal } = schema;
  return {
    ...(title === undefined ? {} : { title }),
    ...(description === undefined ? {} : { description }),
    ...(dflt === undefined ? {} : { default: dflt }),
    anyOf: [literal, { $ref: '#/$defs/env_reference' }],
  };
}

/** The committed files, by path from the repository's root, as they are written: 2-space JSON. */
export function jsonSchemaFiles(): Record<string, string> {
  const text = (schema: JsonSchema): string => `${JSON.stringify(schema, null, 2)}\n`;
  return {
    'schema/check.schema.json': text(checkFileJsonSchema()),
    'schema/config.schema.json': text(configFileJsonSchema()),
  };
}
