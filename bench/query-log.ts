// Counts the SQL statements this process sends, by wrapping pg's Client.prototype.query: every
// pg.Pool query (Prisma's driver adapter, the session store, the login throttle) goes through a
// pool client, so each statement is seen exactly once, whatever path it took.
import pg from 'pg';

export type LoggedQuery = { text: string; values: unknown[] };

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

/**
 * Statements served from the app's 5-second in-process caches (settings, demo-data flag): they
 * run at most once per 5 s per process, not once per request, so per-request counts leave them out.
 */
export function isCacheRefresh(text: string): boolean {
  return /FROM "public"\."Setting"/.test(text) || /"public"\."User"\."isDemo" = \$1/.test(text);
}

/** "SELECT Ticket", "UPDATE session": the verb and the first table a statement touches. */
export function describeQuery(text: string): string {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
  const table = /\b(?:FROM|UPDATE|INTO)\s+(?:"public"\.)?"?(\w+)"?/i.exec(text)?.[1] ?? '?';
  return `${verb} ${table}`;
}
