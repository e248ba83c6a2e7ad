// Absences of technicians (holidays, sick leave, training): recorded by the technician for
// themself or by an admin for anyone; while one covers now, automatic assignment passes the
// technician by and their tickets show them as absent.
import type { AppContext } from '../context.js';
import { forbidden, notFound, validationError } from '../lib/errors.js';
import { wallClockToInstant } from '../sla/business-time.js';
import type { Actor } from '../tickets/tickets.policy.js';
import type { TAbsence } from './absences.schema.js';

/** Who may record absences at all: technicians (their own) and admins (anyone's). */
export const canRecordAbsences = (actor: Pick<Actor, 'role'>) => actor.role === 'TECHNICIAN' || actor.role === 'ADMIN';
const mayRecordForOthers = (actor: Pick<Actor, 'role'>) => actor.role === 'ADMIN';

export function createAbsencesService(ctx: AppContext) {
  const { prisma } = ctx.db;

  return {
    mayRecordForOthers,
    /** Current and upcoming absences the actor may manage (a technician: their own), soonest first. */
    async list(actor: Actor, now = new Date()) {
      if (!canRecordAbsences(actor)) throw forbidden();
      const rows = await prisma.userAbsence.findMany({
        where: { endsAt: { gt: now }, ...(mayRecordForOthers(actor) ? {} : { userId: actor.id }) },
        orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
        take: 500,
        select: {
          id: true,
          startsAt: true,
          endsAt: true,
          note: true,
          user: { select: { id: true, name: true } },
          createdBy: { select: { name: true } },
        },
      });
      return rows.map((row) => ({ ...row, isCurrent: row.startsAt <= now }));
    },

    /** The technicians an admin may record an absence for (active ones), by name. */
    async technicianOptions(actor: Actor) {
      if (!mayRecordForOthers(actor)) return [];
      return prisma.user.findMany({
        where: { role: 'TECHNICIAN', isActive: true },
        orderBy: { name: 'asc' },
        select: { id: true, name: true },
      });
    },

    /** Records an absence; the times are wall-clock times in `timeZone` (the form's). */
    async record(actor: Actor, input: TAbsence, timeZone: string, now = new Date()) {
      if (!canRecordAbsences(actor)) throw forbidden();
      let userId = actor.id;
      if (mayRecordForOthers(actor)) {
        if (input.userId === null) throw validationError({ userId: { key: 'validation.required' } });
        const technician = await prisma.user.findFirst({
          where: { id: input.userId, role: 'TECHNICIAN', isActive: true },
          select: { id: true },
        });
        if (!technician) throw validationError({ userId: { key: 'validation.invalidChoice' } });
        userId = technician.id;
      } else if (input.userId !== null && input.userId !== actor.id) {
        // A technician speaks for themself only.
        throw forbidden();
      }
      const startsAt = new Date(wallClockToInstant(timeZone, input.startsAt));
      const endsAt = new Date(wallClockToInstant(timeZone, input.endsAt));
      if (endsAt <= startsAt) throw validationError({ endsAt: { key: 'validation.absenceEndsBeforeStart' } });
      if (endsAt <= now) throw validationError({ endsAt: { key: 'validation.absenceOver' } });
      return prisma.$transaction(async (tx) => {
        const absence = await tx.userAbsence.create({
          data: { userId, startsAt, endsAt, note: input.note, createdById: actor.id },
          select: { id: true, user: { select: { name: true } } },
        });
        await tx.auditLog.create({
          data: {
            actorId: actor.id,
            action: 'absence.create',
            entityType: 'user',
            entityId: String(userId),
            data: { absenceId: absence.id, startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString() },
          },
        });
        return { id: absence.id, name: absence.user.name };
      });
    },

    /** Deletes an absence the actor may manage; anyone else's is a 404, as if it did not exist. */
    async remove(actor: Actor, id: number) {
      if (!canRecordAbsences(actor)) throw forbidden();
      const absence = await prisma.userAbsence.findFirst({
        where: { id, ...(mayRecordForOthers(actor) ? {} : { userId: actor.id }) },
        select: { id: true, userId: true, user: { select: { name: true } } },
      });
      if (!absence) throw notFound();
      await prisma.$transaction([
        prisma.userAbsence.delete({ where: { id } }),
        prisma.auditLog.create({
          data: {
            actorId: actor.id,
            action: 'absence.delete',
            entityType: 'user',
            entityId: String(absence.userId),
            data: { absenceId: id },
          },
        }),
      ]);
      return { name: absence.user.name };
    },
  };
}

export type AbsencesService = ReturnType<typeof createAbsencesService>;
