import { defineConfig } from 'vitest/config';

// Every test file gets its own database (see tests/helpers/database.ts): a copy of a migrated
// template on the PostgreSQL server named by TEST_DATABASE_URL / DATABASE_URL, or an embedded
// PGlite when neither is set.
export default defineConfig({
  test: {
    globalSetup: ['tests/helpers/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 120_000,
    include: ['tests/**/*.test.ts'],
    env: { NODE_ENV: 'test' },
    reporters: ['default'],
  },
});
