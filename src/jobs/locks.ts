// One process at a time for a job: a PostgreSQL advisory lock, tried (never waited for) on a
// connection of its own and released as soon as the run ends, whatever its outcome. Not for the
// embedded database: PGlite is one session (every connection would share the lock) and one
// process, and holding its only connection while the job's own queries wait for it deadlocks.
import { createHash } from 'node:crypto';
import pg from 'pg';

// The first half of every job lock's key; the second comes from the job's name. Two-part keys
// never collide with the migrations' one-part key (72707369) nor with the first-admin lock.
export const jobLockClass = 727100;

export function jobLockKey(name: string): [number, number] {
  return [jobLockClass, createHash('sha256').update(name).digest().readInt32BE(0)];
}

export type JobRun<T> = { ran: true; result: T } | { ran: false };

export type JobLock = {
  /** Runs `work` unless another process is running the job `name` now. */
  run<T>(name: string, work: () => Promise<T>): Promise<JobRun<T>>;
  close(): Promise<void>;
};

/**
 * Locks on their own pool, apart from the app's: a run holds one of these connections while
 * its queries use the app's pool, so a small app pool is never starved by the locks.
 */
export function createJobLock(url: string, connections: number): JobLock {
  const pool = new pg.Pool({ connectionString: url, max: Math.max(1, connections) });
  // A dropped idle connection (server restart) must not crash the process; its locks went with it.
  pool.on('error', () => {});
  return {
    async run<T>(name: string, work: () => Promise<T>): Promise<JobRun<T>> {
      const key = jobLockKey(name);
      const client = await pool.connect();
      // Back to the pool only when it surely holds no lock; otherwise closed, which releases it.
      let clean = false;
      try {
        const tried = await client.query<{ got: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS got', key);
        if (!tried.rows[0]?.got) {
          clean = true;
          return { ran: false };
        }
        try {
          return { ran: true, result: await work() };
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, $2)', key).then(
            () => {
              clean = true;
            },
            () => {},
          );
        }
      } finally {
        client.release(!clean);
      }
    },
    close: () => pool.end(),
  };
}
