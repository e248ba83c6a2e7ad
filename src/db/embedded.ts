// Embedded PostgreSQL (PGlite: real PostgreSQL compiled to WASM) served on a loopback port,
// so every part of the app talks plain `pg` to it exactly as it would to a server.
// PGlite is a single session: callers must share ONE connection (pool max 1).
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export type EmbeddedDatabase = {
  url: string;
  db: PGlite;
  stop(): Promise<void>;
};

export async function startEmbeddedDatabase(options: {
  /** Directory for the files; null keeps everything in memory (tests, diffs). */
  dataDir: string | null;
  /** Optional tarball from `db.dumpDataDir()` to start from (test template). */
  loadDataDir?: Blob;
}): Promise<EmbeddedDatabase> {
  if (options.dataDir) await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create({
    dataDir: options.dataDir ?? undefined,
    loadDataDir: options.loadDataDir,
    // Ticket search needs these (see the add_ticket_search migration); PGlite ships contrib
    // extensions as separate bundles that are only installable when passed here.
    extensions: { pg_trgm, unaccent },
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 4 });
  await server.start();
  const conn = server.getServerConn();
  const port = Number(conn.split(':').at(-1));
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    db,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
