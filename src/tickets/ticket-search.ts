// Ticket search for every list (support's queue, a client's tickets, a technician's work):
// PostgreSQL full text over subject, description and the comments the actor may read, in Spanish,
// English and Portuguese with accents ignored, then trigram matching on the subject for typos and
// fragments. The columns, configurations and indexes come from the add_ticket_search migration.
//
// Designed for a million tickets: ranking every match of a common word would read thousands of
// rows, so the candidates are the most recent `candidateLimit` matching tickets (PostgreSQL picks
// between walking the (createdAt, id) index with the match as a filter, quick when the word is
// common, and a GIN bitmap, quick when it is rare), and only those are ranked and paged with a
// keyset on (score, id). The page says when the limit was reached. Visibility is part of the same
// statement: the scope of ticketScopeFor() in SQL, and internal notes only for staff.
import type { AppContext } from '../context.js';
import { Prisma } from '../generated/prisma/client.js';
import type { Priority, TicketStatus } from '../generated/prisma/enums.js';
import { escapeLike } from '../lib/like.js';
import { decodeCursor, encodeCursor } from '../lib/pagination.js';
import { parseTicketNumber } from './ticket-number.js';
import { openStatuses } from './ticket-statuses.js';
import { dayStart } from './tickets.lists.js';
import { type Actor, canSeeInternal, ticketScopeSql } from './tickets.policy.js';
import type { TMyTicketsFilters, TQueueFilters } from './tickets.schema.js';

export const candidateLimit = 300;
export const searchPageSize = 25;
/** Tickets in scope walked first for a word (the newest); enough to fill the candidates when it is common. */
const recentTickets = 10_000;
/** Comments read first for a word (the newest); enough to fill the candidates when it is common. */
const recentComments = 50_000;
/**
 * Trigrams come from runs of letters and digits: without a run of three, the trigram index has
 * nothing to look up and would be read whole (and such fragments match most subjects anyway).
 */
const hasTrigram = (text: string) => /[\p{L}\p{N}]{3,}/u.test(text);
/** pg_trgm's default (0.6) misses common typos such as "camra" for "cámaras" (0.5). */
const wordSimilarityThreshold = 0.45;

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

export type SnippetPart = { text: string; hit: boolean };
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

const startMark = '\u0001';
const endMark = '\u0002';

/** Splits ts_headline's output (hits between \x01 and \x02) into parts the view escapes. */
export function splitHighlights(marked: string | null): SnippetPart[] {
  if (!marked) return [];
  const parts: SnippetPart[] = [];
  let hit = false;
  let text = '';
  const flush = () => {
    if (text) parts.push({ text, hit });
    text = '';
  };
  for (const char of marked) {
    if (char === startMark || char === endMark) {
      flush();
      hit = char === startMark;
    } else {
      text += char;
    }
  }
  flush();
  return parts;
}

/** Lower-case, accent-free, one folded string per original character (indexes stay aligned). */
function foldChars(value: string): string[] {
  return Array.from(value, (char) => char.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase());
}

/** Marks the first accent- and case-insensitive occurrence of `fragment` in `text`. */
export function highlightFragment(text: string, fragment: string): SnippetPart[] {
  const chars = Array.from(text);
  const folded = foldChars(text);
  const needle = foldChars(fragment).join('');
  if (!needle) return [{ text, hit: false }];
  for (let start = 0; start < folded.length; start++) {
    let joined = '';
    for (let end = start; end < folded.length && joined.length < needle.length; end++) {
      joined += folded[end];
      if (joined === needle) {
        const parts: SnippetPart[] = [];
        if (start > 0) parts.push({ text: chars.slice(0, start).join(''), hit: false });
        parts.push({ text: chars.slice(start, end + 1).join(''), hit: true });
        if (end + 1 < chars.length) parts.push({ text: chars.slice(end + 1).join(''), hit: false });
        return parts;
      }
    }
  }
  return [{ text, hit: false }];
}

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
const tsQuery = (text: string) =>
  Prisma.sql`(websearch_to_tsquery('public.es_unaccent', ${text})
    || websearch_to_tsquery('public.en_unaccent', ${text})
    || websearch_to_tsquery('public.pt_unaccent', ${text}))`;

type Ranked = { id: number; score: number; matched: bigint | number };
type DisplayRow = Omit<SearchRow, 'subject' | 'snippet' | 'snippetFromComment' | 'score'> & {
  subject: string;
  subjectMarked: string | null;
  snippetMarked: string | null;
  snippetFromComment: boolean;
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
   * Tickets matched through a readable comment, as a fixed list of ids. Never left to a plan that
   * walks the tickets newest first probing each one's comments: when the statistics take a word
   * for common and it is absent from comments, that walk reads every ticket (measured: 15 s at
   * 1M tickets). The comments' GIN index is read on its own (a materialized CTE), first over the
   * most recent `recentComments` comments, which holds enough matches for a common word, and
   * over all of them only when it does not, that is when the word is rare in comments, so the
   * second read is small too. A client's or technician's search (narrow scope) lets PostgreSQL
   * start from their tickets when that is cheaper.
   */
  async function ticketsByComments(actor: Actor, q: Prisma.Sql, where: Prisma.Sql): Promise<number[]> {
    const readable = canSeeInternal(actor) ? Prisma.sql`TRUE` : Prisma.sql`c."isInternal" = false`;
    const [{ max } = { max: null }] = await prisma.$queryRaw<
      { max: number | null }[]
    >`SELECT max("id") AS max FROM "Comment"`;
    if (max === null) return [];
    const byRange = async (from: number) => {
      const rows = await prisma.$queryRaw<{ id: number }[]>`
        WITH hits AS MATERIALIZED (
          SELECT DISTINCT c."ticketId" AS id FROM "Comment" c
           WHERE c."searchVector" @@ ${q} AND ${readable} AND c."id" > ${from})
        SELECT t."id" FROM "Ticket" t JOIN hits ON hits.id = t."id"
         WHERE ${where}
         ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${candidateLimit + 1}`;
      return rows.map((row) => row.id);
    };
    const recent = await byRange(Math.max(0, max - recentComments));
    if (recent.length > candidateLimit || max <= recentComments) return recent;
    if (actor.role === 'SUPPORT' || actor.role === 'ADMIN') return byRange(0);
    const rows = await prisma.$queryRaw<{ id: number }[]>`
      SELECT t."id" FROM "Ticket" t
       WHERE ${where} AND t."id" IN (SELECT c."ticketId" FROM "Comment" c WHERE c."searchVector" @@ ${q} AND ${readable})
       ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${candidateLimit + 1}`;
    return rows.map((row) => row.id);
  }

  /**
   * Tickets matched by their own words, newest first, as a fixed list of ids. Not one statement
   * left to the planner: with LIMIT it walks the (createdAt, id) index filtering on the words, and
   * when the statistics take a rare or absent word for a common one that walk reads every ticket
   * (measured: 7-9 s at 1M). So the walk is bounded to the newest `recentTickets` in scope, where
   * a common word fills the candidates, and only a word rarer than that is looked up in the GIN
   * index on its own (a materialized CTE), which is then cheap because the word is rare.
   */
  async function ticketsByOwnWords(q: Prisma.Sql, where: Prisma.Sql): Promise<number[]> {
    const recent = await prisma.$queryRaw<{ id: number }[]>`
      SELECT s."id" FROM (
        SELECT t."id", t."createdAt", t."searchVector" FROM "Ticket" t WHERE ${where}
         ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${recentTickets}) s
       WHERE s."searchVector" @@ ${q}
       ORDER BY s."createdAt" DESC, s."id" DESC LIMIT ${candidateLimit + 1}`;
    if (recent.length > candidateLimit) return recent.map((row) => row.id);
    const rows = await prisma.$queryRaw<{ id: number }[]>`
      WITH hits AS MATERIALIZED (
        SELECT t."id", t."createdAt" FROM "Ticket" t WHERE t."searchVector" @@ ${q} AND ${where})
      SELECT "id" FROM hits ORDER BY "createdAt" DESC, "id" DESC LIMIT ${candidateLimit + 1}`;
    return rows.map((row) => row.id);
  }

  /** Full text: the most recent matching tickets by their own words or a readable comment's, ranked. */
  async function rankByWords(
    actor: Actor,
    query: string,
    where: Prisma.Sql,
    after: SearchCursor | undefined,
  ): Promise<Ranked[]> {
    const q = tsQuery(query);
    const ids = [...new Set([...(await ticketsByOwnWords(q, where)), ...(await ticketsByComments(actor, q, where))])];
    if (ids.length === 0) return [];
    const keyset = after ? Prisma.sql`(score, id) < (${after.score}, ${after.id})` : Prisma.sql`TRUE`;
    // Each source gives one id past the limit so that `matched` tells whether there were more; a
    // subject match always outranks a description-only one, which outranks a comment-only one
    // (score 0), then ts_rank (normalised to 0..1) orders within each.
    return prisma.$queryRaw<Ranked[]>`
      WITH matched AS (
        SELECT t."id", t."createdAt" FROM "Ticket" t WHERE t."id" IN (${Prisma.join(ids)})
      ),
      candidates AS (
        SELECT "id" FROM matched ORDER BY "createdAt" DESC, "id" DESC LIMIT ${candidateLimit}
      ),
      scored AS (
        SELECT t."id",
               (CASE WHEN ts_filter(t."searchVector", '{a}') @@ ${q} THEN 2000000
                     WHEN t."searchVector" @@ ${q} THEN 1000000 ELSE 0 END
                + round(ts_rank(t."searchVector", ${q}, 32) * 999999))::int AS score
          FROM "Ticket" t JOIN candidates USING ("id")
      )
      SELECT id, score, (SELECT count(*) FROM matched) AS matched
        FROM scored WHERE ${keyset}
       ORDER BY score DESC, id DESC LIMIT ${searchPageSize + 1}`;
  }

  /** Trigrams on the subject (accents and case folded): typos ("camra") and fragments ("grabad"). */
  async function rankBySimilarity(
    query: string,
    where: Prisma.Sql,
    after: SearchCursor | undefined,
  ): Promise<Ranked[]> {
    const keyset = after ? Prisma.sql`(score, id) < (${after.score}, ${after.id})` : Prisma.sql`TRUE`;
    const folded = Prisma.sql`public.search_fold(${query})`;
    const pattern = Prisma.sql`('%' || public.search_fold(${escapeLike(query)}) || '%')`;
    // The threshold of `<%` is a setting; SET LOCAL keeps it to this transaction.
    return prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(wordSimilarityThreshold)}, true)`;
      return tx.$queryRaw<Ranked[]>`
        WITH matched AS (
          SELECT t."id", t."subject" FROM "Ticket" t
           WHERE (public.search_fold(t."subject") LIKE ${pattern} OR ${folded} <% public.search_fold(t."subject"))
             AND ${where}
           ORDER BY t."createdAt" DESC, t."id" DESC LIMIT ${candidateLimit + 1}
        ),
        scored AS (
          SELECT "id", round(word_similarity(${folded}, public.search_fold("subject")) * 1000000)::int AS score
            FROM (SELECT * FROM matched LIMIT ${candidateLimit}) m
        )
        SELECT id, score, (SELECT count(*) FROM matched) AS matched
          FROM scored WHERE ${keyset}
         ORDER BY score DESC, id DESC LIMIT ${searchPageSize + 1}`;
    });
  }

  /** What the lists show, for one page only (ts_headline is costly: never over all candidates). */
  async function pageRows(actor: Actor, query: string, ids: number[], mode: Mode): Promise<DisplayRow[]> {
    if (ids.length === 0) return [];
    const readable = canSeeInternal(actor) ? Prisma.sql`TRUE` : Prisma.sql`c."isInternal" = false`;
    const snippetOptions = 'MaxWords=30, MinWords=12, MaxFragments=2';
    const marked =
      mode === 'words'
        ? Prisma.sql`public.search_headline(t."subject", ${query}, 'HighlightAll=true') AS "subjectMarked",
            public.search_headline(
              CASE WHEN ts_filter(t."searchVector", '{b}') @@ ${tsQuery(query)} OR hit."body" IS NULL
                   THEN t."description" ELSE hit."body" END,
              ${query}, ${snippetOptions}) AS "snippetMarked",
            (hit."body" IS NOT NULL AND NOT ts_filter(t."searchVector", '{b}') @@ ${tsQuery(query)}) AS "snippetFromComment"`
        : Prisma.sql`NULL AS "subjectMarked",
            left(translate(t."description", chr(1) || chr(2), ''), 240) AS "snippetMarked",
            false AS "snippetFromComment"`;
    // The comment quoted is the newest one the actor may read that matches (the same rule as the
    // search itself, so an internal note is never quoted to a client).
    const comment =
      mode === 'words'
        ? Prisma.sql`LEFT JOIN LATERAL (
            SELECT c."body" FROM "Comment" c
             WHERE c."ticketId" = t."id" AND c."searchVector" @@ ${tsQuery(query)} AND ${readable}
             ORDER BY c."id" DESC LIMIT 1) hit ON NOT (t."searchVector" @@ ${tsQuery(query)})`
        : Prisma.empty;
    const rows = await prisma.$queryRaw<DisplayRow[]>`
      SELECT t."id", t."number", t."subject", t."status"::text AS "status", t."priority"::text AS "priority",
             t."createdAt", r."name" AS "requesterName", o."name" AS "organizationName",
             cat."name" AS "categoryName", a."name" AS "assigneeName", ${marked}
        FROM "Ticket" t
        JOIN "User" r ON r."id" = t."requesterId"
        LEFT JOIN "Organization" o ON o."id" = t."organizationId"
        LEFT JOIN "Category" cat ON cat."id" = t."categoryId"
        LEFT JOIN "User" a ON a."id" = t."assigneeId"
        ${comment}
       WHERE t."id" IN (${Prisma.join(ids)})`;
    return rows;
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
    const where = Prisma.join([ticketScopeSql(actor), ...filterSql(options.filters ?? {})], ' AND ');
    let mode: Mode = after?.mode ?? 'words';
    let ranked = mode === 'words' ? await rankByWords(actor, text, where, after) : [];
    // Words found nothing at all (not merely nothing past the cursor): try similar subjects.
    if (mode === 'similar' || (!after && ranked.length === 0)) {
      mode = 'similar';
      ranked = hasTrigram(text) ? await rankBySimilarity(text, where, after) : [];
    }
    const hasMore = ranked.length > searchPageSize;
    const page = ranked.slice(0, searchPageSize);
    const rows = await pageRows(
      actor,
      text,
      page.map((row) => row.id),
      mode,
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    const items = page.flatMap((rank): SearchRow[] => {
      const row = byId.get(rank.id);
      if (!row) return [];
      const { subjectMarked, snippetMarked, ...rest } = row;
      return [
        {
          ...rest,
          subject: mode === 'words' ? splitHighlights(subjectMarked) : highlightFragment(row.subject, text),
          snippet: splitHighlights(snippetMarked),
          score: rank.score,
        },
      ];
    });
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
