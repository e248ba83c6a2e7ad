// The highlighted subject and snippet of a search result, made here rather than by PostgreSQL's
// ts_headline: on a page of 25 results ts_headline took 7-50 ms of database time (it parses each
// text again, once per language until one marks a word), the largest part of a search, on the one
// server every app process shares. Which tickets match is still decided in SQL by the full-text
// query (stemming, accents); this only marks the words in the text shown, by their accent- and
// case-free prefix, which is close to what the three stemmers do (a word it cannot tell is simply
// shown unmarked).

export type SnippetPart = { text: string; hit: boolean };

/** Words shown around the first hit. */
const SNIPPET_WORDS = 30;
/** Words of context kept before the first hit. */
const LEAD_WORDS = 8;
/** Characters of the plain snippet when the text holds no marked word. */
const PLAIN_CHARS = 240;

const fold = (value: string) => value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();

/** The words of a search (web-search syntax: a `-word` is excluded, `or` joins), folded. */
export function queryWords(query: string): string[] {
  const words = new Set<string>();
  for (const chunk of query.split(/\s+/)) {
    if (chunk.startsWith('-')) continue;
    for (const match of chunk.matchAll(/[\p{L}\p{N}]+/gu)) {
      const word = fold(match[0]);
      if (word !== 'or') words.add(word);
    }
  }
  return [...words];
}

/**
 * Whether a word of the text stands for a word of the query: the same folded word, or (both four
 * letters or more) a shared prefix of all but the last two letters of the shorter one, and at
 * least four: "camara" marks "Cámaras", "graban" marks "grabación", "nao funciona" marks "não
 * funcionam".
 */
function stands(token: string, word: string): boolean {
  if (token === word) return true;
  if (token.length < 4 || word.length < 4) return false;
  const shorter = Math.min(token.length, word.length);
  let shared = 0;
  while (shared < shorter && token[shared] === word[shared]) shared++;
  return shared >= Math.max(4, shorter - 2);
}

type Token = { start: number; end: number; hit: boolean };

function tokensOf(text: string, words: string[]): Token[] {
  const tokens: Token[] = [];
  for (const match of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const token = fold(match[0]);
    const start = match.index ?? 0;
    tokens.push({ start, end: start + match[0].length, hit: words.some((word) => stands(token, word)) });
  }
  return tokens;
}

/** `text` from `from` to `to` as parts, its hit words marked. */
function partsOf(text: string, tokens: Token[], from: number, to: number): SnippetPart[] {
  const parts: SnippetPart[] = [];
  let at = from;
  for (const token of tokens) {
    if (!token.hit || token.start < from || token.end > to) continue;
    if (token.start > at) parts.push({ text: text.slice(at, token.start), hit: false });
    parts.push({ text: text.slice(token.start, token.end), hit: true });
    at = token.end;
  }
  if (at < to) parts.push({ text: text.slice(at, to), hit: false });
  return parts;
}

/** The whole text with every word of the query marked (a subject). */
export function markAll(text: string, words: string[]): SnippetPart[] {
  return text ? partsOf(text, tokensOf(text, words), 0, text.length) : [];
}

/**
 * A window of the text around its first word of the query, marked ("…" where it is cut); the
 * beginning of the text, unmarked, when none of its words can be told.
 */
export function snippetOf(text: string, words: string[]): SnippetPart[] {
  const tokens = tokensOf(text, words);
  const first = tokens.findIndex((token) => token.hit);
  if (first < 0) {
    const plain = text.length > PLAIN_CHARS ? `${text.slice(0, PLAIN_CHARS).trimEnd()}…` : text;
    return plain ? [{ text: plain, hit: false }] : [];
  }
  const startToken = Math.max(0, Math.min(first - LEAD_WORDS, tokens.length - SNIPPET_WORDS));
  const endToken = Math.min(tokens.length, startToken + SNIPPET_WORDS) - 1;
  const from = startToken === 0 ? 0 : (tokens[startToken] as Token).start;
  const to = endToken === tokens.length - 1 ? text.length : (tokens[endToken] as Token).end;
  const parts = partsOf(text, tokens, from, to);
  if (from > 0) parts.unshift({ text: '…', hit: false });
  if (to < text.length) parts.push({ text: '…', hit: false });
  return parts;
}

/** Lower-case, accent-free, one folded string per original character (indexes stay aligned). */
function foldChars(value: string): string[] {
  return Array.from(value, fold);
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
