// Business calendars: the opening hours and holidays SLA clocks run on. One is the default (the
// Setting "defaultCalendarId"), used by every department without a calendar of its own. A calendar
// in use by a department, or the default one, cannot be deleted.
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import { AppError, notFound, validationError } from '../lib/errors.js';
import { escapeLike } from '../lib/like.js';
import { referenceChanged } from '../reference/reference-data.js';
import type { Calendar } from './business-time.js';
import { type TCalendarForm, ZCalendarRules } from './calendars.schema.js';
import { requestSlaRecompute } from './sla-sweep.js';

export const DEFAULT_CALENDAR_SETTING = 'defaultCalendarId';

export type StoredCalendar = Calendar & { id: number; name: string };

type CalendarRow = {
  id: number;
  name: string;
  timeZone: string;
  alwaysOpen: boolean;
  hours: Prisma.JsonValue;
  holidays: Prisma.JsonValue;
};

/** A row's JSON checked by the same rules as the form: a hand-edited row fails loudly here. */
export function toCalendar(row: CalendarRow): StoredCalendar {
  const rules = ZCalendarRules.parse({
    timeZone: row.timeZone,
    alwaysOpen: row.alwaysOpen,
    hours: row.hours,
    holidays: row.holidays,
  });
  return { id: row.id, name: row.name, ...rules };
}

export const calendarSelect = {
  id: true,
  name: true,
  timeZone: true,
  alwaysOpen: true,
  hours: true,
  holidays: true,
} as const;

export function createCalendarsService(ctx: AppContext) {
  const { prisma } = ctx.db;

  async function defaultCalendarId(): Promise<number | null> {
    const row = await prisma.setting.findUnique({ where: { key: DEFAULT_CALENDAR_SETTING } });
    return typeof row?.value === 'number' ? row.value : null;
  }

  async function assertNameFree(name: string, id?: number) {
    const taken = await prisma.businessCalendar.findFirst({
      where: { name: { equals: escapeLike(name), mode: 'insensitive' }, ...(id ? { id: { not: id } } : {}) },
      select: { id: true },
    });
    if (taken) throw validationError({ name: { key: 'validation.nameTaken' } });
  }

  async function get(id: number): Promise<StoredCalendar> {
    const row = await prisma.businessCalendar.findUnique({ where: { id }, select: calendarSelect });
    if (!row) throw notFound();
    return toCalendar(row);
  }

  const data = (input: TCalendarForm) => ({
    name: input.name,
    timeZone: input.timeZone,
    alwaysOpen: input.alwaysOpen,
    hours: input.hours,
    holidays: input.holidays,
  });

  return {
    defaultCalendarId,
    get,

    async list() {
      const [rows, defaultId] = await Promise.all([
        prisma.businessCalendar.findMany({
          orderBy: { name: 'asc' },
          select: { ...calendarSelect, _count: { select: { departments: true } } },
        }),
        defaultCalendarId(),
      ]);
      return rows.map((row) => ({
        ...toCalendar(row),
        departmentCount: row._count.departments,
        isDefault: row.id === defaultId,
      }));
    },

    /** For a department's select. */
    options() {
      return prisma.businessCalendar.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true } });
    },

    /** The calendar a department's SLAs run on: its own, else the default one. */
    async forDepartment(departmentId: number | null): Promise<StoredCalendar> {
      const own =
        departmentId === null
          ? null
          : await prisma.department.findUnique({ where: { id: departmentId }, select: { calendarId: true } });
      const id = own?.calendarId ?? (await defaultCalendarId());
      if (id === null) throw new AppError('CONFLICT', 'admin.calendars.noDefault');
      return get(id);
    },

    async create(input: TCalendarForm, actorId: number) {
      await assertNameFree(input.name);
      const saved = await prisma.$transaction(async (tx) => {
        const row = await tx.businessCalendar.create({ data: data(input), select: { id: true } });
        await tx.auditLog.create({
          data: {
            actorId,
            action: 'calendar.create',
            entityType: 'calendar',
            entityId: String(row.id),
            data: data(input),
          },
        });
        return row;
      });
      await referenceChanged(prisma);
      return saved;
    },

    async update(id: number, input: TCalendarForm, actorId: number) {
      await get(id);
      await assertNameFree(input.name, id);
      await prisma.$transaction(async (tx) => {
        await tx.businessCalendar.update({ where: { id }, data: data(input), select: { id: true } });
        // Open tickets run on the changed hours: the SLA sweep recomputes them.
        await requestSlaRecompute(tx);
        await tx.auditLog.create({
          data: { actorId, action: 'calendar.update', entityType: 'calendar', entityId: String(id), data: data(input) },
        });
      });
      await referenceChanged(prisma);
    },

    async remove(id: number, actorId: number) {
      await prisma.$transaction(async (tx) => {
        // The row lock keeps a department from taking this calendar between the check and the delete
        // (the foreign key would refuse it anyway, but with an error instead of the reason).
        const locked = await tx.$queryRaw<{ id: number }[]>`
          SELECT "id" FROM "BusinessCalendar" WHERE "id" = ${id} FOR UPDATE`;
        if (locked.length === 0) throw notFound();
        const defaultRow = await tx.setting.findUnique({ where: { key: DEFAULT_CALENDAR_SETTING } });
        if (defaultRow?.value === id) throw new AppError('CONFLICT', 'admin.calendars.isDefault');
        if ((await tx.department.count({ where: { calendarId: id } })) > 0) {
          throw new AppError('CONFLICT', 'admin.calendars.inUse');
        }
        await tx.businessCalendar.delete({ where: { id } });
        await tx.auditLog.create({
          data: { actorId, action: 'calendar.delete', entityType: 'calendar', entityId: String(id) },
        });
      });
      await referenceChanged(prisma);
    },

    async setDefault(id: number, actorId: number) {
      await prisma.$transaction(async (tx) => {
        // Shares the row lock a deletion takes, so the default never names a deleted calendar.
        const locked = await tx.$queryRaw<{ id: number }[]>`
          SELECT "id" FROM "BusinessCalendar" WHERE "id" = ${id} FOR SHARE`;
        if (locked.length === 0) throw notFound();
        await tx.setting.upsert({
          where: { key: DEFAULT_CALENDAR_SETTING },
          create: { key: DEFAULT_CALENDAR_SETTING, value: id },
          update: { value: id },
        });
        // Open tickets run on the changed hours: the SLA sweep recomputes them.
        await requestSlaRecompute(tx);
        await tx.auditLog.create({
          data: { actorId, action: 'calendar.setDefault', entityType: 'calendar', entityId: String(id) },
        });
      });
      await referenceChanged(prisma);
    },
  };
}

export type CalendarsService = ReturnType<typeof createCalendarsService>;
