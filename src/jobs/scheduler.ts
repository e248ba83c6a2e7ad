// Background jobs inside the app process. Each is safe to run from several processes at once:
// the rules go through the lifecycle (a version check refuses a double close) and the file
// clean-up only removes files no row points to. Jobs marked `exclusive` still run in one process
// at a time (an advisory lock per run, released when it ends): the others skip that tick.
import type { Database } from '../db/database.js';
import type { Logger } from '../lib/logger.js';
import { createJobLock, type JobLock } from './locks.js';

export type Job = {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
  /**
   * One process at a time (on a server database; the embedded one has a single process): a tick
   * that finds another process running the job is skipped, and so is one that finds this
   * process's previous run still going.
   */
  exclusive?: boolean;
  /** Called once when the jobs start (e.g. to subscribe to a wake-up). */
  start?: () => unknown;
  stop?: () => void;
};

export function startJobs(
  jobs: Job[],
  logger: Logger,
  options: { db?: Pick<Database, 'url' | 'isEmbedded'> } = {},
): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  const busy = new Set<Job>();
  const exclusive = jobs.filter((job) => job.exclusive);
  const lock: JobLock | undefined =
    options.db && !options.db.isEmbedded && exclusive.length > 0
      ? createJobLock(options.db.url, exclusive.length)
      : undefined;
  let stopped = false;
  for (const job of jobs) {
    job.start?.();
    const tick = () => {
      if (stopped) return;
      if (job.exclusive) {
        if (busy.has(job)) return;
        busy.add(job);
      }
      const started = Date.now();
      const work =
        job.exclusive && lock ? lock.run(job.name, job.run) : job.run().then((result) => ({ ran: true, result }));
      const run = work
        .then((outcome) => {
          if (outcome.ran)
            logger.debug({ job: job.name, result: outcome.result, ms: Date.now() - started }, 'job finished');
          else logger.debug({ job: job.name }, 'job skipped: another process is running it');
        })
        .catch((error) => logger.error({ err: error, job: job.name }, 'job failed'))
        .finally(() => {
          running.delete(run);
          busy.delete(job);
        });
      running.add(run);
    };
    // First run soon after start (not during it), then on the interval.
    timers.push(setTimeout(tick, Math.min(30_000, job.everyMs)).unref());
    timers.push(setInterval(tick, job.everyMs).unref());
  }
  return {
    async stop() {
      stopped = true;
      for (const timer of timers) clearTimeout(timer);
      await Promise.allSettled([...running]);
      for (const job of jobs) job.stop?.();
      await lock?.close();
    },
  };
}
