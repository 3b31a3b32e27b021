import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * `npm run test:unit` (PUSHAGENT_UNIT=1): the tests that need neither the build (dist/) nor a
 * server or tool from Debian's packages — told by what they import or run, so a new test is sorted
 * without a list to keep. A command run in-process (helpers/command.ts) needs no build: such a test
 * is a unit test unless it starts a server or runs a tool. `ping` counts as run where a check of
 * that kind is written (`ping:`) or the program is named in quotes, not where a text mentions it.
 */
const NEEDS_MORE =
  /helpers\/(cli|daemon|pushgateway|prometheus|victoria-metrics|http-recorder|remote-write|web-config|ping-tee|ss|tcp-sockets)|promtool|ip netns|\bnft\b|prometheus-node-exporter|\bping:|['"`]ping\b/;

function unitTests(): string[] {
  return readdirSync(path.join(root, 'test'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => path.join('test', f))
    .filter((f) => !NEEDS_MORE.test(readFileSync(path.join(root, f), 'utf8')));
}

export default defineConfig({
  test: {
    root,
    include: process.env.PUSHAGENT_UNIT ? unitTests() : ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // .ci/run sets PUSHAGENT_TEST_JSON to read the pass/fail counts from vitest's JSON report.
    reporters: process.env.PUSHAGENT_TEST_JSON
      ? ['default', ['json', { outputFile: process.env.PUSHAGENT_TEST_JSON }]]
      : ['default'],
  },
});
