// How the bench names and sorts the SQL statements it records (sql-counter.ts records them in
// the app process; run.ts prints and EXPLAINs them). No imports: sql-counter.ts loads this file
// into the app process, transpiled beside the build.

export type LoggedQuery = { text: string; values: unknown[] };

/**
 * Statements that refill the app's per-process copies (settings, demo-data flag, the reference
 * data of src/reference/reference-data.ts: categories, departments, technicians, organizations, an
 * organization's members; canned replies' titles; SLA policies and calendars):
 * they run once a minute per process or after a change, not once per request, so per-request
 * counts leave them out.
 */
export function isCacheRefresh(text: string): boolean {
  return (
    /FROM "public"\."Setting"/.test(text) ||
    /"public"\."User"\."isDemo" = \$1/.test(text) ||
    /^SELECT [^;]* FROM "public"\."(Category|Department|Organization|UserDepartment|CannedReply|SlaPolicy|BusinessCalendar)" /.test(
      text,
    ) ||
    /FROM "public"\."User" WHERE "public"\."User"\."organizationId" = \$1 ORDER BY "public"\."User"\."name"/.test(
      text,
    ) ||
    /FROM "public"\."User" WHERE "public"\."User"\."role" = CAST\(\$1::text AS "public"\."Role"\) ORDER BY "public"\."User"\."name"/.test(
      text,
    )
  );
}

/** "SELECT Ticket", "UPDATE session": the verb and the first table a statement touches. */
export function describeQuery(text: string): string {
  const verb = /^\s*(\w+)/.exec(text)?.[1]?.toUpperCase() ?? '?';
  const table = /\b(?:FROM|UPDATE|INTO)\s+(?:"public"\.)?"?(\w+)"?/i.exec(text)?.[1] ?? '?';
  return `${verb} ${table}`;
}
