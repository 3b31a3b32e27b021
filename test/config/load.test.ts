import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { load } from '../../src/config/load.js';
import { ConfigError, formatProblem } from '../../src/errors.js';

// Each folder of fixtures/config is a working directory with a config and checks that are wrong in
// one way; expected.txt holds every problem, exactly as `validate` prints them.
const FIXTURES = path.join(import.meta.dirname, '../fixtures/config');
const cases = readdirSync(FIXTURES).sort();

describe('load: every problem located at file:line:col', () => {
  it.each(cases)('%s', async (name) => {
    const cwd = path.join(FIXTURES, name);
    const err = await load({ cwd, env: {} }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    const text = (err as ConfigError).problems.map(formatProblem).join('\n') + '\n';
    const golden = path.join(cwd, 'expected.txt');
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, text);
    expect(text).toBe(readFileSync(golden, 'utf8'));
  });
});
