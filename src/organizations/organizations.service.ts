// Client companies. A parent organization groups the clients of a consultancy.
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import { AppError, notFound, validationError } from '../lib/errors.js';
import { escapeLike } from '../lib/like.js';
import { keysetPage, keysetWhere, type PageRequest } from '../lib/pagination.js';
import { referenceChanged } from '../reference/reference-data.js';
import type { TOrganization } from './organizations.schema.js';

export function createOrganizationsService(ctx: AppContext) {
  const { prisma } = ctx.db;

  async function assertValid(input: TOrganization, id?: number) {
    const sameName = await prisma.organization.findFirst({
      where: { name: { equals: escapeLike(input.name), mode: 'insensitive' }, ...(id ? { id: { not: id } } : {}) },
      select: { id: true },
    });
    if (sameName) throw validationError({ name: { key: 'validation.nameTaken' } });
    if (input.parentId === null) return;
    // Walk up from the chosen parent: it must exist and must not lead back to this organization.
    let cursor: number | null = input.parentId;
    for (let depth = 0; cursor !== null; depth++) {
      if (cursor === id || depth > 20) throw validationError({ parentId: { key: 'validation.parentCycle' } });
      const parent: { parentId: number | null } | null = await prisma.organization.findUnique({
        where: { id: cursor },
        select: { parentId: true },
      });
      if (!parent) throw validationError({ parentId: { key: 'validation.invalidChoice' } });
      cursor = parent.parentId;
    }
  }

  return {
    async list(filters: { q?: string }, page: PageRequest) {
      const where: Prisma.OrganizationWhereInput = filters.q
        ? {
            OR: [
              { name: { contains: escapeLike(filters.q), mode: 'insensitive' } },
              { taxId: { contains: escapeLike(filters.q) } },
            ],
          }
        : {};
      return keysetPage(
        page,
        ({ cursorWhere, direction, take }) =>
          prisma.organization.findMany({
            where: { AND: [where, keysetWhere('name', cursorWhere)] },
            orderBy: [{ name: direction }, { id: direction }],
            take,
            select: {
              id: true,
              name: true,
              taxId: true,
              phone: true,
              parent: { select: { id: true, name: true } },
              _count: { select: { users: true } },
            },
          }),
        (org) => org.name,
      );
    },

    /** For <select>s: every organization by name (admin forms; bounded by the number of clients). */
    options() {
      return prisma.organization.findMany({ orderBy: { name: 'asc' }, select: { id: true, name: true } });
    },

    async get(id: number) {
      const org = await prisma.organization.findUnique({ where: { id } });
      if (!org) throw notFound();
      return org;
    },

    async create(input: TOrganization, actorId: number) {
      await assertValid(input);
      const created = await prisma.$transaction(async (tx) => {
        const org = await tx.organization.create({ data: input, select: { id: true } });
        await tx.auditLog.create({
          data: { actorId, action: 'organization.create', entityType: 'organization', entityId: String(org.id) },
        });
        return org;
      });
      await referenceChanged(prisma);
      return created;
    },

    async update(id: number, input: TOrganization, actorId: number) {
      await this.get(id);
      await assertValid(input, id);
      await prisma.$transaction([
        prisma.organization.update({ where: { id }, data: input }),
        prisma.auditLog.create({
          data: { actorId, action: 'organization.update', entityType: 'organization', entityId: String(id) },
        }),
      ]);
      await referenceChanged(prisma);
    },

    async remove(id: number, actorId: number) {
      const org = await prisma.organization.findUnique({
        where: { id },
        select: { _count: { select: { users: true, children: true } } },
      });
      if (!org) throw notFound();
      if (org._count.users > 0 || org._count.children > 0) throw new AppError('CONFLICT', 'admin.organizations.inUse');
      await prisma.$transaction([
        prisma.organization.delete({ where: { id } }),
        prisma.auditLog.create({
          data: { actorId, action: 'organization.delete', entityType: 'organization', entityId: String(id) },
        }),
      ]);
      await referenceChanged(prisma);
    },
  };
}

export type OrganizationsService = ReturnType<typeof createOrganizationsService>;
