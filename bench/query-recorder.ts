// Counts the SQL statements this process sends (tests, and bench scripts that run the app in-process: the
// outbox drain, the search plans), by wrapping pg's Client.prototype.query: every pg.Pool query
// goes through a pool client, so each statement is seen exactly once, whatever path it took.
import pg from 'pg';

import type { LoggedQuery } from './query-log.js';

type QueryFn = (...args: unknown[]) => unknown;

let installed = false;
let total = 0;
let recording: LoggedQuery[] | null = null;

export function installQueryLog(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    total++;
    if (recording) {
      const [config, values] = args;
      const text = typeof config === 'string' ? config : String((config as { text?: unknown } | undefined)?.text ?? '');
      const params = Array.isArray(values) ? values : ((config as { values?: unknown[] } | undefined)?.values ?? []);
      recording.push({ text, values: params });
    }
    return original.apply(this, args);
  };
}

export const queriesSoFar = () => total;

/** Runs `work` (nothing else may run meanwhile) and returns the statements it sent. */
export async function recordQueries(work: () => Promise<unknown>): Promise<LoggedQuery[]> {
  if (!installed) throw new Error('installQueryLog() first');
  if (recording) throw new Error('recordQueries() is not re-entrant');
  const log: LoggedQuery[] = [];
  recording = log;
  try {
    await work();
  } finally {
    recording = null;
  }
  return log;
}
