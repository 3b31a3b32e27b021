/** Field schemas shared by the config file and the check files: one source for type, default and docs. */
import * as z from 'zod';
import { describeValue } from '../errors.js';
import { USER_LABEL_NAME_RE } from '../metrics/names.js';
import { DURATION_RE, parseDuration } from './duration.js';

const DURATION_HINT = 'a duration like 500ms, 15s, 1m or 1m30s';

export const duration = z
  .string({ error: (iss) => `expected ${DURATION_HINT}, got ${describeValue(iss.input)}` })
  .regex(DURATION_RE, { error: (iss) => `expected ${DURATION_HINT}, got ${describeValue(iss.input)}` })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) ctx.addIssue({ code: 'custom', message: `expected a duration above zero, got "${text}"` });
    return ms ?? 0;
  });

/** A label value: YAML scalars are accepted and kept as the text written (`dc: 1` is "1"). */
const labelValue = z
  .union([z.string(), z.number(), z.boolean()], {
    error: (iss) => `expected a label value (a string), got ${describeValue(iss.input)}`,
  })
  .transform(String);

// A regex rather than a refine, so that the JSON Schema carries the rule as a `pattern`.
export const labels = z.record(
  z.string().regex(USER_LABEL_NAME_RE, {
    error: (iss) =>
      `invalid label name ${describeValue(iss.input)}: expected [a-zA-Z_][a-zA-Z0-9_]* not starting with __`,
  }),
  labelValue,
);

export const nonEmptyString = z
  .string({ error: (iss) => `expected a string, got ${describeValue(iss.input)}` })
  .min(1, { error: 'expected a non-empty string' });

/**
 * A text that may be written as a bare YAML scalar (`password: 12345`, `username: 1000`): a number
 * or a boolean is taken as its text. The loader hands such a value over as written (see
 * `keepScalarText`), so that `007` stays "007" rather than becoming "7".
 */
export const scalarText = (text: z.ZodString = z.string()) =>
  z
    .union([text, z.number(), z.boolean()], { error: (iss) => `expected a string, got ${describeValue(iss.input)}` })
    .transform(String);
