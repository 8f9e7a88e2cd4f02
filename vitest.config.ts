// Test runner settings: one fork per file, so a file's server and database never meet another's.
import { defineConfig } from 'vitest/config';

/**
 * The attack tests measure /health latency and RSS of a real process under attack: they run after
 * the rest of the suite, one file at a time, so the other test files' CPU does not show up as the
 * service's latency.
 */
const ATTACKS = 'test/security/attack-*.test.ts';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 20_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts', 'test/pg/global-setup.ts'],
    projects: [
      { extends: true, test: { name: 'suite', include: ['test/**/*.test.ts'], exclude: [ATTACKS], sequence: { groupOrder: 0 } } },
      { extends: true, test: { name: 'attacks', include: [ATTACKS], fileParallelism: false, sequence: { groupOrder: 1 } } },
    ],
  },
});
