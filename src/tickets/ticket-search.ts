// Ticket search for every list (support's queue, a client's tickets, a technician's work):
// PostgreSQL full text over subject, description and the comments the actor may read, in Spanish,
// English and Portuguese with accents ignored; when the words find nothing, the typo or fragment
// is looked up among the words of all subjects (trigrams) and the words found are searched in
// subjects. Columns, configurations, indexes and the rules that keep them: the add_ticket_search
// and search_ticket_comment_words migrations.
//
// Designed for a million tickets, in ONE statement per search (plus one for a ticket number):
// - Each ticket row carries its own words and those of its comments (public replies apart from
//   internal notes), so a search reads tickets only, never the Comment table.
// - Ranking every match of a common word would read tens of thousands of rows, so the candidates
//   are the most recent `candidateLimit` matching tickets in the actor's scope, and only those are
//   ranked (subject, then description, then comments) and paged with a keyset on (score, id). The
//   page says when the limit was reached.
// - How those candidates are found depends on how common the word is, which is only known by
//   looking: the newest `probeRows` tickets in scope are read first. A word matching enough of
//   them to fill the candidates within `walkRows` is walked for: the newest tickets in scope are
//   read until the candidates are full. A rarer word (or one that did not fill them after all) is
//   looked up in the GIN indexes, which is cheap precisely because it is rare. (Left to the planner's statistics, an
//   absent word taken for a common one walked every ticket: seconds.) The bound assumes words are
//   spread over time: a word common only in old tickets costs the GIN lookup of all its matches.
// - Visibility is part of the statement: the scope of ticketScopeFor() in SQL, and the internal
//   notes' words only for staff.
// - Snippets (ts_headline) are computed for the rows of the page only.
import type { AppContext } from '../context.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Priority, TicketStatus } from '../generated/prisma/enums.js';
import { decodeCursor, encodeCursor } from '../lib/pagination.js';
import { highlightFragment, markAll, queryWords, type SnippetPart, snippetOf } from './search-snippets.js';
import { parseTicketNumber } from './ticket-number.js';
import { openStatuses } from './ticket-statuses.js';
import { dayStart } from './tickets.lists.js';
import { type Actor, canSeeInternal, ticketScopePartsSql, ticketScopeSql } from './tickets.policy.js';
import type { TMyTicketsFilters, TQueueFilters } from './tickets.schema.js';

export const candidateLimit = 100;
export const searchPageSize = 25;
/** Characters of a description or comment a snippet may come from (the first marked word is looked for in them). */
const textChars = 4000;
/** Characters of an unmarked snippet, plus one to tell that the text went on. */
const plainChars = 241;
/** The newest tickets in scope read to tell a common word (walk on) from a rare one (GIN lookup). */
const probeRows = 500;
/** At most this many of the newest tickets in scope are walked for a common word (~1 µs each). */
const walkRows = 10_000;
/** Words of the subjects a typo or fragment may stand for, at most, per word of the query. */
const similarWordLimit = 20;
/** The words of a query looked up as typos or fragments (at most five, three letters or more). */
const similarWordsOf = (text: string) =>
  [...new Set(text.toLowerCase().split(/[^\p{L}\p{N}]+/u))].filter((word) => [...word].length >= 3).slice(0, 5);

/** Filters a list adds to its search (all optional; the actor's scope always applies). */
export type SearchFilters = {
  statuses?: readonly TicketStatus[];
  priority?: Priority;
  categoryId?: number;
  departmentId?: number;
  assignee?: number | 'none';
  organizationId?: number;
  requesterId?: number;
  createdFrom?: Date;
  createdBefore?: Date;
};

export type SearchRow = {
  id: number;
  number: number;
  subject: SnippetPart[];
  snippet: SnippetPart[];
  /** The snippet comes from a comment (public, or an internal note for staff), not the description. */
  snippetFromComment: boolean;
  status: TicketStatus;
  priority: Priority;
  createdAt: Date;
  requesterName: string;
  organizationName: string | null;
  categoryName: string | null;
  assigneeName: string | null;
  score: number;
};
export type SearchResult =
  | { jumpTo: number }
  | {
      jumpTo?: undefined;
      /** Words (full text) or, when words found nothing, similar subjects (trigrams). */
      mode: 'words' | 'similar';
      items: SearchRow[];
      nextCursor: string | null;
      /** More tickets matched than were ranked: the results are the most recent `candidateLimit` matches. */
      limited: boolean;
      candidateLimit: number;
    };

type Mode = 'words' | 'similar';
/** The queue's filters, applied to its search. */
export function queueSearchFilters(filters: TQueueFilters, timeZone: string): SearchFilters {
  return {
    // A search looks through every ticket unless one status is chosen (not only the open work).
    statuses: filters.status && filters.status !== 'all' ? [filters.status] : undefined,
    priority: filters.priority,
    categoryId: filters.categoryId,
    departmentId: filters.departmentId,
    assignee: filters.assignee === 'none' ? 'none' : filters.assignee ? Number(filters.assignee) : undefined,
    organizationId: filters.organizationId,
    requesterId: filters.requesterId,
    createdFrom: filters.from ? dayStart(filters.from, timeZone) : undefined,
    createdBefore: filters.to ? dayStart(filters.to, timeZone, 1) : undefined,
  };
}

/** A client's list: the tab's statuses and the list's filters. */
export function myTicketsSearchFilters(filters: TMyTicketsFilters, timeZone: string): SearchFilters {
  const statuses: Record<TMyTicketsFilters['tab'], readonly TicketStatus[]> = {
    open: openStatuses,
    resolved: ['RESOLVED'],
    closed: ['CLOSED', 'CANCELLED'],
  };
  return {
    statuses: statuses[filters.tab],
    requesterId: filters.requesterId,
    createdFrom: filters.from ? dayStart(filters.from, timeZone) : undefined,
    createdBefore: filters.to ? dayStart(filters.to, timeZone, 1) : undefined,
  };
}

type SearchCursor = { mode: Mode; score: number; id: number };

function encodeSearchCursor(cursor: SearchCursor): string {
  return encodeCursor({ value: `${cursor.mode}:${cursor.score}`, id: cursor.id });
}

function decodeSearchCursor(raw: unknown): SearchCursor | undefined {
  const cursor = decodeCursor(raw, 'string');
  const match = cursor ? /^(words|similar):(\d{1,9})$/.exec(cursor.value as string) : null;
  if (!cursor || !match) return undefined;
  return { mode: match[1] as Mode, score: Number(match[2]), id: cursor.id };
}

function filterSql(filters: SearchFilters): Prisma.Sql[] {
  const where: Prisma.Sql[] = [];
  if (filters.statuses) {
    where.push(
      filters.statuses.length
        ? Prisma.sql`t."status" IN (${Prisma.join(filters.statuses.map((s) => Prisma.sql`${s}::"TicketStatus"`))})`
        : Prisma.sql`FALSE`,
    );
  }
  if (filters.priority) where.push(Prisma.sql`t."priority" = ${filters.priority}::"Priority"`);
  if (filters.categoryId) where.push(Prisma.sql`t."categoryId" = ${filters.categoryId}`);
  if (filters.departmentId) where.push(Prisma.sql`t."departmentId" = ${filters.departmentId}`);
  if (filters.assignee === 'none') where.push(Prisma.sql`t."assigneeId" IS NULL`);
  else if (filters.assignee) where.push(Prisma.sql`t."assigneeId" = ${filters.assignee}`);
  if (filters.organizationId) where.push(Prisma.sql`t."organizationId" = ${filters.organizationId}`);
  if (filters.requesterId) where.push(Prisma.sql`t."requesterId" = ${filters.requesterId}`);
  if (filters.createdFrom) where.push(Prisma.sql`t."createdAt" >= ${filters.createdFrom}`);
  if (filters.createdBefore) where.push(Prisma.sql`t."createdAt" < ${filters.createdBefore}`);
  return where;
}

/** The three languages' queries OR'd: a word stemmed by any of them matches. */
const tsQuery = (text: string | Prisma.Sql) =>
  Prisma.sql`(websearch_to_tsquery('public.es_unaccent', ${text})
    || websearch_to_tsquery('public.en_unaccent', ${text})
    || websearch_to_tsquery('public.pt_unaccent', ${text}))`;

type ResultRow = Omit<SearchRow, 'subject' | 'snippet' | 'score'> & {
  mode: Mode;
  score: number;
  matched: number;
  subject: string;
  snippetText: string | null;
};

export function createTicketSearch(ctx: AppContext) {
  const { prisma } = ctx.db;

  /** A query that is a ticket number (TKT-1234 or 1234) opens that ticket when the actor may see it. */
  async function visibleNumber(actor: Actor, query: string): Promise<number | undefined> {
    const number = parseTicketNumber(query);
    if (!number) return undefined;
    const rows = await prisma.$queryRaw<{ number: number }[]>`
      SELECT t."number" FROM "Ticket" t WHERE t."number" = ${Number(number)} AND ${ticketScopeSql(actor)}`;
    return rows[0]?.number;
  }

  /**
   * The CTEs `<p>_matched`: the newest `candidateLimit` + 1 tickets in scope matching `match`
   * (a condition on the row alias given), found by a bounded walk or the GIN indexes (see the
   * top of this file). `live` gates the whole lookup (an empty query reads nothing). Each CTE is
   * read only when the one before it asks: PostgreSQL evaluates these uncorrelated subqueries on
   * first use, and a gate that is false skips its branch entirely.
   */
  function candidatesSql(
    p: 'w' | 's',
    scope: { where: Prisma.Sql; parts: Prisma.Sql[] },
    columns: Prisma.Sql,
    match: (alias: Prisma.Sql) => Prisma.Sql,
    live: Prisma.Sql,
  ): Prisma.Sql {
    const newestOf = (where: Prisma.Sql, rows: number) => Prisma.sql`
      SELECT ${columns} FROM "Ticket" t WHERE ${where} ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${rows}`;
    // The newest tickets in scope; a scope in several parts merges each part's own newest.
    const newest = (rows: number) =>
      scope.parts.length === 1
        ? Prisma.sql`(${newestOf(scope.parts[0] as Prisma.Sql, rows)}) s`
        : Prisma.sql`(SELECT * FROM (${Prisma.join(
            scope.parts.map((part) => Prisma.sql`(${newestOf(part, rows)})`),
            ' UNION ALL ',
          )}) u ORDER BY "createdAt" DESC, "id" DESC LIMIT ${rows}) s`;
    const probe = Prisma.raw(`${p}_probe`);
    const walk = Prisma.raw(`${p}_walk`);
    const indexed = Prisma.raw(`${p}_indexed`);
    const matched = Prisma.raw(`${p}_matched`);
    // Matches among the newest `probeRows` (counted up to `enough`): at that density the walk of
    // `walkRows` is expected to fill the candidates, below it the GIN lookup is the cheaper one.
    // The GIN lookup reads the matches, then keeps those in scope (OFFSET 0 stops PostgreSQL
    // from AND-ing in a bitmap of the whole scope, e.g. 170,000 tickets of an organization: 60 ms
    // for what a rare word's few hundred matches tell at once).
    const enough = Math.ceil((candidateLimit * probeRows) / walkRows);
    const common = Prisma.sql`(SELECT "n" FROM ${probe}) >= ${enough}`;
    return Prisma.sql`
      ${probe} AS MATERIALIZED (
        SELECT count(*) AS "n" FROM (
          SELECT 1 FROM ${newest(probeRows)} WHERE ${live} AND ${match(Prisma.sql`s`)} LIMIT ${enough}) x),
      ${walk} AS MATERIALIZED (
        SELECT s."id", s."createdAt" FROM ${newest(walkRows)} WHERE ${match(Prisma.sql`s`)} LIMIT ${candidateLimit + 1}),
      ${indexed} AS MATERIALIZED (
        SELECT t."id", t."createdAt" FROM (
          SELECT * FROM "Ticket" t WHERE ${live} AND ${match(Prisma.sql`t`)} OFFSET 0) t
         WHERE ${scope.where}),
      ${matched} AS (
        SELECT "id", "createdAt" FROM ${walk}
         WHERE ${common} AND (SELECT count(*) FROM ${walk}) > ${candidateLimit}
        UNION ALL
        SELECT "id", "createdAt" FROM (
          SELECT "id", "createdAt" FROM ${indexed} ORDER BY "createdAt" DESC, "id" DESC LIMIT ${candidateLimit + 1}) i
         WHERE ${live} AND (NOT ${common} OR (SELECT count(*) FROM ${walk}) <= ${candidateLimit}))`;
  }

  /**
   * Searches the tickets `actor` may see. A ticket number jumps to the ticket (`jumpTo`); otherwise
   * a page of ranked rows and the cursor of the next one (`after`, from `nextCursor`).
   */
  async function searchTickets(
    actor: Actor,
    query: string,
    options: { after?: unknown; filters?: SearchFilters } = {},
  ): Promise<SearchResult> {
    const text = query.trim();
    const after = decodeSearchCursor(options.after);
    if (!after) {
      const jumpTo = await visibleNumber(actor, text);
      if (jumpTo !== undefined) return { jumpTo };
    }
    const filters = filterSql(options.filters ?? {});
    const scope = {
      where: Prisma.join([ticketScopeSql(actor), ...filters], ' AND '),
      parts: ticketScopePartsSql(actor).map((part) => Prisma.join([part, ...filters], ' AND ')),
    };
    const staff = canSeeInternal(actor);
    const columns = staff
      ? Prisma.sql`t."id", t."createdAt", t."searchVector", t."commentsVector", t."notesVector"`
      : Prisma.sql`t."id", t."createdAt", t."searchVector", t."commentsVector"`;
    const wq = Prisma.sql`(SELECT "q" FROM words_query)`;
    const sq = Prisma.sql`(SELECT "q" FROM similar_query)`;
    // Words: the ticket's own, its public replies', and for staff its internal notes'.
    const wordsMatch = (a: Prisma.Sql) =>
      staff
        ? Prisma.sql`(${a}."searchVector" @@ ${wq} OR ${a}."commentsVector" @@ ${wq} OR ${a}."notesVector" @@ ${wq})`
        : Prisma.sql`(${a}."searchVector" @@ ${wq} OR ${a}."commentsVector" @@ ${wq})`;
    // Similar: the words a typo or fragment stands for, in the subject (weight A) only.
    const similarMatch = (a: Prisma.Sql) =>
      Prisma.sql`(${a}."searchVector" @@ ${sq} AND ts_filter(${a}."searchVector", '{a}') @@ ${sq})`;
    const withWords = after?.mode !== 'similar';
    // Similar subjects only when the words found nothing at all (not merely nothing past the cursor).
    const withSimilar = after ? after.mode === 'similar' : true;
    const ctes: Prisma.Sql[] = [];
    const ranked: Prisma.Sql[] = [];
    if (withWords) {
      // Computed once (a CTE read as an InitPlan), and opaque to the planner, whose estimate for
      // it would otherwise pick plans for us (see candidatesSql).
      ctes.push(Prisma.sql`words_query AS (SELECT ${tsQuery(text)} AS "q")`);
      ctes.push(candidatesSql('w', scope, columns, wordsMatch, Prisma.sql`numnode(${wq}) > 0`));
      // A subject match always outranks a description-only one, which outranks a comment-only one
      // (score 0), then ts_rank (normalised to 0..1) orders within each.
      ranked.push(Prisma.sql`
        SELECT 'words' AS "mode", t."id",
               (CASE WHEN ts_filter(t."searchVector", '{a}') @@ ${wq} THEN 2000000
                     WHEN t."searchVector" @@ ${wq} THEN 1000000 ELSE 0 END
                + round(ts_rank(t."searchVector", ${wq}, 32) * 999999))::int AS "score",
               (SELECT count(*) FROM w_matched)::int AS "matched"
          FROM "Ticket" t
          JOIN (SELECT "id" FROM w_matched ORDER BY "createdAt" DESC, "id" DESC LIMIT ${candidateLimit}) c USING ("id")`);
    }
    if (withSimilar) {
      // Each word of the query (three letters or more: trigrams need them) stands for the words of
      // the subjects that contain it (a fragment) or are similar to it (pg_trgm's `<%`, threshold
      // set per connection in db/database.ts), the most similar first. A ticket must match every
      // word of the query that way, as a subject had to resemble the whole query before.
      const parts = similarWordsOf(text).map(
        (word) => Prisma.sql`(SELECT ${tsQuery(Prisma.sql`string_agg(x."word", ' or ')`)} FROM (
          SELECT sw."word" FROM "SearchWord" sw
           WHERE sw."word" LIKE '%' || public.search_fold(${word}) || '%' OR public.search_fold(${word}) <% sw."word"
           ORDER BY word_similarity(public.search_fold(${word}), sw."word") DESC LIMIT ${similarWordLimit}) x)`,
      );
      ctes.push(Prisma.sql`similar_query AS (
        SELECT coalesce(${parts.length ? Prisma.join(parts, ' && ') : Prisma.sql`NULL::tsquery`}, ''::tsquery) AS "q")`);
      const gate = withWords ? Prisma.sql`NOT EXISTS (SELECT 1 FROM w_matched) AND ` : Prisma.empty;
      ctes.push(candidatesSql('s', scope, columns, similarMatch, Prisma.sql`${gate}numnode(${sq}) > 0`));
      ranked.push(Prisma.sql`
        SELECT 'similar' AS "mode", t."id",
               round(word_similarity(public.search_fold(${text}), public.search_fold(t."subject")) * 1000000)::int AS "score",
               (SELECT count(*) FROM s_matched)::int AS "matched"
          FROM "Ticket" t
          JOIN (SELECT "id" FROM s_matched ORDER BY "createdAt" DESC, "id" DESC LIMIT ${candidateLimit}) c USING ("id")`);
    }
    const keyset = after ? Prisma.sql`("score", "id") < (${after.score}, ${after.id})` : Prisma.sql`TRUE`;
    const readable = staff ? Prisma.sql`TRUE` : Prisma.sql`c."isInternal" = false`;
    // The texts the result shows, marked in this process (search-snippets.ts): the description, or
    // the quoted comment when only a comment holds the words. Cut to what a snippet may come from.
    const marked = withWords
      ? Prisma.sql`CASE WHEN p."mode" = 'words' THEN left(coalesce(hit."body", t."description"), ${textChars})
                        ELSE left(t."description", ${plainChars}) END AS "snippetText",
          (hit."body" IS NOT NULL) AS "snippetFromComment"`
      : Prisma.sql`left(t."description", ${plainChars}) AS "snippetText", false AS "snippetFromComment"`;
    // The comment quoted is the newest one the actor may read that matches (the same rule as the
    // search itself, so an internal note is never quoted to a client), read for the page's rows.
    const comment = withWords
      ? Prisma.sql`LEFT JOIN LATERAL (
          SELECT c."body" FROM "Comment" c
           WHERE c."ticketId" = t."id" AND c."searchVector" @@ ${wq} AND ${readable}
           ORDER BY c."id" DESC LIMIT 1) hit ON p."mode" = 'words' AND NOT (t."searchVector" @@ ${wq})`
      : Prisma.empty;
    const rows = await prisma.$queryRaw<ResultRow[]>`
      WITH ${Prisma.join(ctes, ',\n')},
      ranked AS (${Prisma.join(ranked, ' UNION ALL ')}),
      page AS (
        SELECT "mode", "id", "score", "matched" FROM ranked WHERE ${keyset}
         ORDER BY "score" DESC, "id" DESC LIMIT ${searchPageSize + 1})
      SELECT p."mode", p."score", p."matched", t."id", t."number", t."subject", t."status"::text AS "status",
             t."priority"::text AS "priority", t."createdAt",
             (SELECT r."name" FROM "User" r WHERE r."id" = t."requesterId") AS "requesterName",
             (SELECT o."name" FROM "Organization" o WHERE o."id" = t."organizationId") AS "organizationName",
             (SELECT cat."name" FROM "Category" cat WHERE cat."id" = t."categoryId") AS "categoryName",
             (SELECT a."name" FROM "User" a WHERE a."id" = t."assigneeId") AS "assigneeName", ${marked}
        FROM page p
        JOIN "Ticket" t ON t."id" = p."id"
        ${comment}
       ORDER BY p."score" DESC, p."id" DESC`;
    const mode: Mode = rows[0]?.mode ?? after?.mode ?? 'words';
    const words = queryWords(text);
    const hasMore = rows.length > searchPageSize;
    const page = rows.slice(0, searchPageSize);
    const items = page.map(
      ({ mode: rowMode, matched: _matched, snippetText, ...row }): SearchRow => ({
        ...row,
        subject: rowMode === 'words' ? markAll(row.subject, words) : highlightFragment(row.subject, text),
        snippet: rowMode === 'words' ? snippetOf(snippetText ?? '', words) : snippetOf(snippetText ?? '', []),
      }),
    );
    const last = page.at(-1);
    return {
      mode,
      items,
      nextCursor: hasMore && last ? encodeSearchCursor({ mode, score: last.score, id: last.id }) : null,
      limited: Number(page[0]?.matched ?? 0) > candidateLimit,
      candidateLimit,
    };
  }

  return { searchTickets };
}

export type TicketSearch = ReturnType<typeof createTicketSearch>;
