// Background jobs inside the app process. Each is safe to run from several processes at once:
// auto-close goes through the lifecycle (a version check refuses a double close) and the file
// clean-up only removes files no row points to.
import type { Logger } from '../lib/logger.js';

export type Job = {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
  /** Called once when the jobs start (e.g. to subscribe to a wake-up). */
  start?: () => unknown;
  stop?: () => void;
};

export function startJobs(jobs: Job[], logger: Logger): { stop(): Promise<void> } {
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  for (const job of jobs) {
    job.start?.();
    const tick = () => {
      if (stopped) return;
      const started = Date.now();
      const run = job
        .run()
        .then((result) => logger.debug({ job: job.name, result, ms: Date.now() - started }, 'job finished'))
        .catch((error) => logger.error({ err: error, job: job.name }, 'job failed'))
        .finally(() => running.delete(run));
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
    },
  };
}
