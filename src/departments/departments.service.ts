// Departments (CCTV, Alarmas, …) route tickets and group technicians; categories name the kind
// of problem and suggest a department. Both are retired (inactive), never deleted, once in use.
import type { AppContext } from '../context.js';
import { notFound, validationError } from '../lib/errors.js';
import { escapeLike } from '../lib/like.js';
import { referenceChanged } from '../reference/reference-data.js';
import { requestSlaRecompute } from '../sla/sla-sweep.js';
import type { TCategory, TDepartment } from './departments.schema.js';

export function createDepartmentsService(ctx: AppContext) {
  const { prisma } = ctx.db;

  async function assertNameFree(model: 'department' | 'category', name: string, id?: number) {
    const where = {
      name: { equals: escapeLike(name), mode: 'insensitive' as const },
      ...(id ? { id: { not: id } } : {}),
    };
    const taken =
      model === 'department'
        ? await prisma.department.findFirst({ where, select: { id: true } })
        : await prisma.category.findFirst({ where, select: { id: true } });
    if (taken) throw validationError({ name: { key: 'validation.nameTaken' } });
  }

  return {
    listDepartments() {
      return prisma.department.findMany({
        orderBy: { name: 'asc' },
        select: {
          id: true,
          name: true,
          isActive: true,
          assignMethod: true,
          calendar: { select: { id: true, name: true } },
          _count: { select: { members: true, categories: true } },
        },
      });
    },
    /** Active departments for a form, plus the retired ones it already has chosen (keepIds). */
    departmentOptions(keepIds: number[] = []) {
      return prisma.department.findMany({
        where: { OR: [{ isActive: true }, { id: { in: keepIds } }] },
        orderBy: { name: 'asc' },
        select: { id: true, name: true },
      });
    },
    async getDepartment(id: number) {
      const department = await prisma.department.findUnique({ where: { id } });
      if (!department) throw notFound();
      return department;
    },
    async saveDepartment(id: number | null, input: TDepartment, actorId: number) {
      await assertNameFree('department', input.name, id ?? undefined);
      if (id !== null) await this.getDepartment(id);
      if (input.calendarId !== null) {
        const calendar = await prisma.businessCalendar.findUnique({
          where: { id: input.calendarId },
          select: { id: true },
        });
        if (!calendar) throw validationError({ calendarId: { key: 'validation.invalidChoice' } });
      }
      const saved = await prisma.$transaction(async (tx) => {
        const row =
          id === null
            ? await tx.department.create({ data: input, select: { id: true } })
            : await tx.department.update({ where: { id }, data: input, select: { id: true } });
        // Its open tickets may run on another calendar now: the SLA sweep recomputes them.
        if (id !== null) await requestSlaRecompute(tx, { departmentId: id });
        await tx.auditLog.create({
          data: {
            actorId,
            action: id === null ? 'department.create' : 'department.update',
            entityType: 'department',
            entityId: String(row.id),
            data: { calendarId: input.calendarId, assignMethod: input.assignMethod },
          },
        });
        return row;
      });
      await referenceChanged(prisma);
      return saved;
    },

    listCategories() {
      return prisma.category.findMany({
        orderBy: { name: 'asc' },
        select: { id: true, name: true, isActive: true, department: { select: { id: true, name: true } } },
      });
    },
    async getCategory(id: number) {
      const category = await prisma.category.findUnique({ where: { id } });
      if (!category) throw notFound();
      return category;
    },
    async saveCategory(id: number | null, input: TCategory, actorId: number) {
      await assertNameFree('category', input.name, id ?? undefined);
      if (id !== null) await this.getCategory(id);
      if (input.departmentId !== null) {
        const department = await prisma.department.findUnique({
          where: { id: input.departmentId },
          select: { id: true },
        });
        if (!department) throw validationError({ departmentId: { key: 'validation.invalidChoice' } });
      }
      const saved = await prisma.$transaction(async (tx) => {
        const row =
          id === null
            ? await tx.category.create({ data: input, select: { id: true } })
            : await tx.category.update({ where: { id }, data: input, select: { id: true } });
        await tx.auditLog.create({
          data: {
            actorId,
            action: id === null ? 'category.create' : 'category.update',
            entityType: 'category',
            entityId: String(row.id),
          },
        });
        return row;
      });
      await referenceChanged(prisma);
      return saved;
    },
  };
}

export type DepartmentsService = ReturnType<typeof createDepartmentsService>;
