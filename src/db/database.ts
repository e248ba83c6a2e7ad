// One pg pool shared by Prisma, the session store and the rate limiter. In embedded mode the
// pool has exactly one connection: PGlite is a single session, so transactions must not interleave.

import { createHash } from 'node:crypto';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { Env } from '../config/env.js';
import { PrismaClient } from '../generated/prisma/client.js';
import { type EmbeddedDatabase, startEmbeddedDatabase } from './embedded.js';

export type Database = {
  /** The connection URL (for a dedicated LISTEN connection; embedded: the loopback socket). */
  url: string;
  pool: pg.Pool;
  prisma: PrismaClient;
  isEmbedded: boolean;
  close(): Promise<void>;
};

// Return BIGINT as JS numbers where safe (ids, counters), not strings.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : value;
});

const names = new Map<string, string>();
const textSearch = /tsquery|similarity|<%|%>|ILIKE|LIKE/i;
/**
 * Statements are prepared once per connection and reused by name, so PostgreSQL parses and plans
 * each text once instead of on every request (planning was most of a page's database time, and
 * pg caches the prepared statement per connection). Names come from the text: one name, one text.
 * Texts vary only with the length of IN lists, so the set stays small; a full map starts over.
 */
function preparedName(query: { sql: string }): string {
  // A text search's best plan depends on its words (a rare word: the index; a common one: the
  // newest rows first), which a plan reused for every word cannot know: planned each time.
  if (textSearch.test(query.sql)) return undefined as unknown as string;
  let name = names.get(query.sql);
  if (!name) {
    name = `p${createHash('sha1').update(query.sql).digest('base64url')}`;
    if (names.size >= 5_000) names.clear();
    names.set(query.sql, name);
  }
  return name;
}

export function connectDatabase(options: { url: string; poolSize: number; embedded?: EmbeddedDatabase }): Database {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.embedded ? 1 : options.poolSize,
    idleTimeoutMillis: options.embedded ? 0 : 30_000,
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // JIT compilation pays off for long analytical queries, not for ours: when a plan's estimated
  // cost passes jit_above_cost (a misestimated search, say), compiling takes 100-300 ms of a
  // request that runs in a few (measured on the ticket search at 1M tickets).
  // pg_trgm's `<%` (the search's typo lookup) reads its threshold from a setting, set here once
  // per connection rather than per search (a SET LOCAL needs a transaction: three more statements
  // per search). Its default, 0.6, misses common typos such as "camra" for "cámaras" (0.5).
  pool.on('connect', (client) => {
    client
      .query("SELECT set_config('jit', 'off', false), set_config('pg_trgm.word_similarity_threshold', '0.45', false)")
      .catch(() => {});
  });
  const prisma = new PrismaClient({
    adapter: new PrismaPg(pool, options.embedded ? {} : { statementNameGenerator: preparedName }),
    // With one embedded connection a transaction may wait its turn behind another.
    transactionOptions: { maxWait: 15_000, timeout: 20_000 },
  });
  return {
    url: options.url,
    pool,
    prisma,
    isEmbedded: Boolean(options.embedded),
    async close() {
      await prisma.$disconnect();
      await pool.end();
      await options.embedded?.stop();
    },
  };
}

/** DATABASE_URL when set; otherwise the embedded PGlite under DATA_DIR/pglite. */
export async function openDatabase(env: Env): Promise<Database> {
  if (env.DATABASE_URL) return connectDatabase({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE });
  const embedded = await startEmbeddedDatabase({ dataDir: path.resolve(env.DATA_DIR, 'pglite') });
  return connectDatabase({ url: embedded.url, poolSize: 1, embedded });
}
