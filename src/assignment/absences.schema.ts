import { z } from 'zod';
import { optionalId, optionalText } from '../lib/validate.js';

/** A `datetime-local` value ("2026-12-24T08:00"), as that wall-clock time in "UTC" milliseconds. */
const wallClock = () =>
  z
    .string({ error: 'required' })
    .optional()
    .transform((value, ctx) => {
      const trimmed = (value ?? '').trim();
      if (trimmed === '') {
        ctx.addIssue({ code: 'custom', message: 'required' });
        return z.NEVER;
      }
      const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(trimmed);
      const wall = match ? Date.parse(`${trimmed}:00Z`) : Number.NaN;
      // Date.parse rolls 2026-02-30 over to March: compare back to refuse it.
      if (Number.isNaN(wall) || new Date(wall).toISOString().slice(0, 16) !== trimmed) {
        ctx.addIssue({ code: 'custom', message: 'invalidDateTime' });
        return z.NEVER;
      }
      return wall;
    });

/** An absence's form. `userId` is read only from an admin (a technician records their own). */
export const ZAbsence = z.object({
  userId: optionalId(),
  startsAt: wallClock(),
  endsAt: wallClock(),
  note: optionalText({ max: 200 }),
});
export type TAbsence = z.infer<typeof ZAbsence>;
