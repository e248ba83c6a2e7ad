-- Comment search without reading comments at search time (src/tickets/ticket-search.ts). Joining
-- the matching Comment rows to their tickets cost 0.5-20 s at 1M tickets for a common word, so each
-- ticket now keeps the words of its comments beside its own: "commentsVector" for the public
-- replies (anyone who sees the ticket may search them) and "notesVector" for the internal notes
-- (staff only). A search then reads one row per ticket and one GIN index per kind of text.
ALTER TABLE "Ticket" ADD COLUMN "commentsVector" tsvector, ADD COLUMN "notesVector" tsvector;

-- The words of a ticket's public replies (internal = false) or internal notes (true), NULL when it
-- has none. VOLATILE on purpose: a volatile function reads with a fresh snapshot, so when two
-- comments are added to one ticket at once the second update, after waiting for the first one's
-- row lock, recomputes with the first comment in it (with STABLE it would keep its own snapshot
-- and drop the other comment's words).
CREATE FUNCTION public.ticket_comment_words(ticket integer, internal boolean) RETURNS tsvector
  LANGUAGE sql VOLATILE PARALLEL SAFE
  AS $$ SELECT CASE WHEN count(*) > 0 THEN public.search_vector(string_agg(c."body", E'\n' ORDER BY c."id")) END
          FROM "Comment" c WHERE c."ticketId" = ticket AND c."isInternal" = internal $$;

-- Kept by the database on every insert, whichever code inserts (the services, imports, seeders,
-- tests). A rule, not a trigger: trigger functions need PL/pgSQL, and the migration runner splits
-- scripts on every semicolon. Both vectors are recomputed from the ticket's comments rather than
-- appended to: a rule runs once per statement with NEW standing for the inserted rows, and a
-- ticket given several comments by one INSERT would otherwise keep only one of them. Comments are
-- never edited or deleted by the app, so inserts are the only change to follow.
CREATE RULE "Comment_ticket_words" AS ON INSERT TO "Comment" DO ALSO
  UPDATE "Ticket" SET "commentsVector" = public.ticket_comment_words("id", false),
                      "notesVector" = public.ticket_comment_words("id", true)
   WHERE "id" = NEW."ticketId";

-- The tickets that already have comments.
UPDATE "Ticket" t SET "commentsVector" = public.ticket_comment_words(t."id", false),
                      "notesVector" = public.ticket_comment_words(t."id", true)
 WHERE EXISTS (SELECT 1 FROM "Comment" c WHERE c."ticketId" = t."id");

CREATE INDEX "Ticket_commentsVector_idx" ON "Ticket" USING gin ("commentsVector");
CREATE INDEX "Ticket_notesVector_idx" ON "Ticket" USING gin ("notesVector");

-- Searches no longer look comments up by word (the column stays: it picks the comment quoted
-- under a result).
DROP INDEX "Comment_searchVector_idx";

-- Typos and fragments. Matching trigrams against every subject read tens of thousands of rows for
-- a fragment of a common word (150-700 ms at 1M tickets). Instead the distinct words of all
-- subjects (lower-case, accents removed: a few thousand rows even at a million tickets) carry the
-- trigram index: a typo or fragment is looked up there and the words found are then searched as
-- words, through the same indexes as any search.
CREATE TABLE "SearchWord" (
    "word" TEXT NOT NULL,

    CONSTRAINT "SearchWord_pkey" PRIMARY KEY ("word")
);

CREATE INDEX "SearchWord_word_trgm_idx" ON "SearchWord" USING gin ("word" gin_trgm_ops);

-- Kept by a rule for the same reason as above. Words are only ever added, and only from new
-- tickets: the app never edits a subject, and a word left from a deleted ticket finds nothing when
-- searched, since the search itself applies the scope. (A rule makes PostgreSQL refuse a WITH
-- clause on an INSERT into "Ticket" or "Comment": write such inserts without one.)
CREATE RULE "Ticket_subject_words" AS ON INSERT TO "Ticket" DO ALSO
  INSERT INTO "SearchWord" ("word")
  SELECT w FROM unnest(tsvector_to_array(to_tsvector('simple'::regconfig, public.search_fold(NEW."subject")))) AS w
   WHERE length(w) >= 3
  ON CONFLICT DO NOTHING;

INSERT INTO "SearchWord" ("word")
SELECT DISTINCT w FROM "Ticket" t,
       unnest(tsvector_to_array(to_tsvector('simple'::regconfig, public.search_fold(t."subject")))) AS w
 WHERE length(w) >= 3;

DROP INDEX "Ticket_subject_trgm_idx";
