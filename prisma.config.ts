import { defineConfig } from 'prisma/config';

// Only `prisma generate` uses this file: migrations run through scripts/db-migrate.ts
// (Prisma's WASM schema engine), and the app connects through @prisma/adapter-pg.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
