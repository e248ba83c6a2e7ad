// Keyset pagination: pages are found by the last row seen, never by OFFSET, and no page ever
// counts the whole table. Cursors are opaque to the browser.
export type Cursor = { value: string | number; id: number };
export type PageRequest = { after?: Cursor; before?: Cursor; size: number };
export type Page<T> = { items: T[]; nextCursor: string | null; prevCursor: string | null };

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');
}

/** A cursor from the URL, or undefined if it is not one; `valueType` also refuses a sort value of another type. */
export function decodeCursor(raw: unknown, valueType?: 'string' | 'number'): Cursor | undefined {
  if (typeof raw !== 'string' || raw.length > 500) return undefined;
  try {
    const [value, id] = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as unknown[];
    if (valueType !== undefined && typeof value !== valueType) return undefined;
    // Ids are PostgreSQL integers, and text there cannot hold NUL: anything else would fail the query.
    const isId = Number.isInteger(id) && (id as number) >= 0 && (id as number) <= 2_147_483_647;
    if (((typeof value === 'string' && !value.includes('\u0000')) || typeof value === 'number') && isId) {
      return { value, id: id as number };
    }
  } catch {}
  return undefined;
}

/** Pass the sort field's `valueType`: a tampered cursor of another type would otherwise reach the query. */
export function pageRequestFrom(
  query: Record<string, unknown>,
  size = 25,
  valueType?: 'string' | 'number',
): PageRequest {
  return { after: decodeCursor(query.after, valueType), before: decodeCursor(query.before, valueType), size };
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
