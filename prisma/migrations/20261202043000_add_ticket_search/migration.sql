-- Ticket search (src/tickets/ticket-search.ts). Written by hand: Prisma's schema language cannot
-- express extensions' text search configurations, tsvector columns kept by the database or GIN
-- indexes with operator classes, so none of this is in schema.prisma (its comments point here)
-- and the schema diff never sees it.

CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- Stemming in the three languages of the UI with accents ignored, so "camara" finds "Cámaras".
-- unaccent is a filtering dictionary: it passes the folded word on to the stemmer.
CREATE TEXT SEARCH CONFIGURATION public.es_unaccent (COPY = pg_catalog.spanish);
ALTER TEXT SEARCH CONFIGURATION public.es_unaccent
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, spanish_stem;
CREATE TEXT SEARCH CONFIGURATION public.en_unaccent (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION public.en_unaccent
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, english_stem;
CREATE TEXT SEARCH CONFIGURATION public.pt_unaccent (COPY = pg_catalog.portuguese);
ALTER TEXT SEARCH CONFIGURATION public.pt_unaccent
  ALTER MAPPING FOR hword, hword_part, word WITH public.unaccent, portuguese_stem;

-- A text's lexemes under the three configurations, so a stemmed word of any of them matches.
-- IMMUTABLE holds: the two-argument to_tsvector is, and the configurations are fixed here.
CREATE FUNCTION public.search_vector(document text) RETURNS tsvector
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT to_tsvector('public.es_unaccent'::regconfig, coalesce(document, ''))
            || to_tsvector('public.en_unaccent'::regconfig, coalesce(document, ''))
            || to_tsvector('public.pt_unaccent'::regconfig, coalesce(document, '')) $$;

-- Lower-case and accent-free text for trigram matching (typos, fragments). unaccent() itself is
-- only STABLE (it looks its dictionary up by name), so an index expression needs this wrapper
-- with the dictionary named in full.
CREATE FUNCTION public.search_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;

-- The ticket's words: subject weighted A (ranked first), description B, kept by the database.
-- (A trigger firing only when these two change would spare the recomputation on status updates,
-- but the migration runner splits scripts on every semicolon, so no PL/pgSQL body can be written
-- here. to_tsvector over a typical ticket costs well under a millisecond.)
ALTER TABLE "Ticket" ADD COLUMN "searchVector" tsvector
  GENERATED ALWAYS AS (setweight(public.search_vector("subject"), 'A')
                       || setweight(public.search_vector("description"), 'B')) STORED;

CREATE INDEX "Ticket_searchVector_idx" ON "Ticket" USING gin ("searchVector");

-- Substrings and typos in subjects, when the words themselves find nothing.
CREATE INDEX "Ticket_subject_trgm_idx" ON "Ticket" USING gin (public.search_fold("subject") gin_trgm_ops);

-- Comment bodies never change once written: a generated column is the simplest to keep right.
ALTER TABLE "Comment" ADD COLUMN "searchVector" tsvector
  GENERATED ALWAYS AS (public.search_vector("body")) STORED;

CREATE INDEX "Comment_searchVector_idx" ON "Comment" USING gin ("searchVector");

-- A snippet of `document` with the words of `query` between chr(1) and chr(2), under the first of
-- the three configurations that highlights anything (each language stems differently: the LIMIT
-- stops at the first). Control characters are removed from the text first, so those markers can
-- only come from here, and the application splits on them and escapes everything else (never
-- HTML from the database). Plain SQL, not PL/pgSQL: see the note on semicolons above.
CREATE FUNCTION public.search_headline(document text, query text, options text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$
  SELECT coalesce(
    (SELECT marked
       FROM unnest(ARRAY['public.es_unaccent', 'public.en_unaccent', 'public.pt_unaccent']::regconfig[]) AS c(config)
       CROSS JOIN LATERAL ts_headline(c.config, translate(document, chr(1) || chr(2), ''),
                                      websearch_to_tsquery(c.config, query),
                                      'StartSel=' || chr(1) || ', StopSel=' || chr(2) || ', ' || options) AS marked
      WHERE strpos(marked, chr(1)) > 0
      LIMIT 1),
    ts_headline('public.es_unaccent'::regconfig, translate(document, chr(1) || chr(2), ''),
                websearch_to_tsquery('public.es_unaccent'::regconfig, query), options))
  $$;
