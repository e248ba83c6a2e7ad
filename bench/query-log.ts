// How the bench names and sorts the SQL statements it records (sql-counter.ts records them in
// the app process; run.ts prints and EXPLAINs them). No imports: sql-counter.ts loads this file
// into the app process, transpiled beside the build.

export type LoggedQuery = { text: string; values: unknown[] };

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
