// Route and query parameters that name a row by its id: anything else is a 404, never a query.
import type { Request } from 'express';
import { z } from 'zod';
import { notFound } from './errors.js';

/** `req.params.id` as a number; `maxDigits` 15 for BIGINT ids (still exact in a JS number). */
export function idParam(req: Request, maxDigits = 9): number {
  const raw = req.params.id;
  if (typeof raw !== 'string' || !new RegExp(`^\\d{1,${maxDigits}}$`).test(raw)) throw notFound();
  return Number(raw);
}

/** An `?after=<id>` cursor for lists paged by id; a bad one is ignored (first page). */
export const ZIdCursor = z
  .string()
  .regex(/^\d{1,9}$/)
  .transform(Number)
  .optional()
  .catch(undefined);
