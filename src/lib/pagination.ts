// Keyset pagination: pages are found by the last row seen, never by OFFSET, and no page ever
// counts the whole table. Cursors are opaque to the browser.
export type Cursor = { value: string | number; id: number };
export type PageRequest = { after?: Cursor; before?: Cursor; size: number };
export type Page<T> = { items: T[]; nextCursor: string | null; prevCursor: string | null };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');
}

export function decodeCursor(raw: unknown): Cursor | undefined {
  if (typeof raw !== 'string' || raw.length > 500) return undefined;
  try {
    const [value, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if ((typeof value === 'string' || typeof value === 'number') && Number.isSafeInteger(id)) {
      return { value, id: id as number };
    }
  } catch {}
  return undefined;
}

export function pageRequestFrom(query: Record<string, unknown>, size = 25): PageRequest {
  return { after: decodeCursor(query.after), before: decodeCursor(query.before), size };
}

/**
 * Runs a keyset query ordered by (sortField, id) ascending. `fetch` receives the where-fragment
 * for the cursor, the direction, and how many rows to take (one extra tells if more exist).
 */
export async function keysetPage<T extends { id: number }>(
  request: PageRequest,
  fetch: (options: {
    cursorWhere: { op: 'gt' | 'lt'; cursor: Cursor } | null;
    direction: 'asc' | 'desc';
    take: number;
  }) => Promise<T[]>,
  sortValue: (item: T) => string | number,
): Promise<Page<T>> {
  const backwards = !request.after && Boolean(request.before);
  const cursor = request.after ?? request.before;
  const rows = await fetch({
    cursorWhere: cursor ? { op: backwards ? 'lt' : 'gt', cursor } : null,
    direction: backwards ? 'desc' : 'asc',
    take: request.size + 1,
  });
  const hasMore = rows.length > request.size;
  const items = rows.slice(0, request.size);
  if (backwards) items.reverse();
  const first = items[0];
  const last = items.at(-1);
  const toCursor = (item: T) => encodeCursor({ value: sortValue(item), id: item.id });
  return {
    items,
    nextCursor: last && (backwards || hasMore) ? toCursor(last) : null,
    prevCursor: first && (backwards ? hasMore : Boolean(cursor)) ? toCursor(first) : null,
  };
}

/** The Prisma `where` for "(field, id) after/before the cursor". */
export function keysetWhere(field: string, cursorWhere: { op: 'gt' | 'lt'; cursor: Cursor } | null) {
  if (!cursorWhere) return {};
  const { op, cursor } = cursorWhere;
  return {
    OR: [{ [field]: { [op]: cursor.value } }, { [field]: cursor.value, id: { [op]: cursor.id } }],
  };
}
