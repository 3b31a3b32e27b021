import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('..', import.meta.url)),
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // .ci/run sets PUSHAGENT_TEST_JSON to read the pass/fail counts from vitest's JSON report.
    reporters: process.env.PUSHAGENT_TEST_JSON ? ['default', ['json', { outputFile: process.env.PUSHAGENT_TEST_JSON }]] : ['default'],
  },
});
