// Counts the SQL statements this test process sends, by wrapping pg's Client.prototype.query:
// every pg.Pool query (Prisma's driver adapter, the session store, the login throttle) goes through
// a pool client, so each statement is seen exactly once, whatever path it took.
import pg from 'pg';

export type LoggedQuery = { text: string; values: unknown[] };

type QueryFn = (...args: unknown[]) => unknown;

let installed = false;
let recording: LoggedQuery[] | null = null;

export function installQueryLog(): void {
  if (installed) return;
  installed = true;
  const proto = pg.Client.prototype as unknown as { query: QueryFn };
  const original = proto.query;
  proto.query = function (this: unknown, ...args: unknown[]) {
    if (recording) {
      const [config, values] = args;
      const text = typeof config === 'string' ? config : String((config as { text?: unknown } | undefined)?.text ?? '');
      const params = Array.isArray(values) ? values : ((config as { values?: unknown[] } | undefined)?.values ?? []);
      recording.push({ text, values: params });
    }
    return original.apply(this, args);
  };
}

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
