// Accounts, managed by admins. Users who may have touched tickets are deactivated, never deleted.
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import { AppError, notFound, validationError } from '../lib/errors.js';
import { escapeLike } from '../lib/like.js';
import { keysetPage, keysetWhere, type PageRequest } from '../lib/pagination.js';
import { hashPassword } from '../lib/password.js';
import { referenceChanged } from '../reference/reference-data.js';
import type { TCreateUser, TUpdateUser, TUserFilters } from './users.schema.js';

const listSelect = {
  id: true,
  name: true,
  email: true,
  role: true,
  isActive: true,
  isOrgManager: true,
  isDemo: true,
  lastLoginAt: true,
  emailVerifiedAt: true,
  organization: { select: { id: true, name: true } },
} as const;

export function createUsersService(ctx: AppContext) {
  const { prisma } = ctx.db;

  async function assertReferences(input: TUpdateUser) {
    const fieldErrors: Record<string, { key: string }> = {};
    if (input.role === 'CLIENT' && input.organizationId === null) {
      fieldErrors.organizationId = { key: 'validation.organizationRequired' };
    }
    if (input.organizationId !== null) {
      const org = await prisma.organization.findUnique({ where: { id: input.organizationId }, select: { id: true } });
      if (!org) fieldErrors.organizationId = { key: 'validation.invalidChoice' };
    }
    if (input.departmentIds.length > 0) {
      const found = await prisma.department.count({ where: { id: { in: input.departmentIds } } });
      if (found !== input.departmentIds.length) fieldErrors.departmentIds = { key: 'validation.invalidChoice' };
    }
    if (Object.keys(fieldErrors).length > 0) throw validationError(fieldErrors);
  }

  /** Only clients belong to an organization or manage one; only technicians have departments. */
  function roleShaped(input: TUpdateUser) {
    return {
      organizationId: input.role === 'CLIENT' ? input.organizationId : null,
      isOrgManager: input.role === 'CLIENT' && input.isOrgManager,
      departmentIds: input.role === 'TECHNICIAN' ? input.departmentIds : [],
    };
  }

  async function assertEmailFree(email: string, exceptId?: number) {
    const existing = await prisma.user.findUnique({ where: { email }, select: { id: true } });
    if (existing && existing.id !== exceptId) throw validationError({ email: { key: 'validation.emailTaken' } });
  }

  /**
   * Runs inside the write's transaction and locks the active admins, so two admins removing
   * each other at the same moment cannot both pass the check.
   */
  async function assertNotLastAdmin(tx: Prisma.TransactionClient, userId: number) {
    const admins = await tx.$queryRaw<{ id: number }[]>`
      SELECT id FROM "User" WHERE role = 'ADMIN' AND "isActive" ORDER BY id FOR UPDATE`;
    if (!admins.some((admin) => admin.id !== userId)) throw new AppError('CONFLICT', 'admin.users.lastAdmin');
  }

  async function endSessions(tx: Prisma.TransactionClient, userId: number) {
    await tx.$executeRaw`DELETE FROM "session" WHERE sess->'passport'->'user'->>'id' = ${String(userId)}`;
  }

  return {
    async list(filters: TUserFilters, page: PageRequest) {
      const where: Prisma.UserWhereInput = {
        ...(filters.role ? { role: filters.role } : {}),
        ...(filters.status === 'all' ? {} : { isActive: filters.status === 'active' }),
        ...(filters.q
          ? {
              OR: [
                { name: { contains: escapeLike(filters.q), mode: 'insensitive' } },
                { email: { contains: escapeLike(filters.q.toLowerCase()) } },
              ],
            }
          : {}),
      };
      return keysetPage(
        page,
        ({ cursorWhere, direction, take }) =>
          prisma.user.findMany({
            where: { AND: [where, keysetWhere('name', cursorWhere)] },
            orderBy: [{ name: direction }, { id: direction }],
            take,
            select: listSelect,
          }),
        (user) => user.name,
      );
    },

    async get(id: number) {
      const user = await prisma.user.findUnique({
        where: { id },
        select: {
          ...listSelect,
          phone: true,
          locale: true,
          organizationId: true,
          createdAt: true,
          departments: { select: { departmentId: true } },
        },
      });
      if (!user) throw notFound();
      return { ...user, departmentIds: user.departments.map((d) => d.departmentId) };
    },

    async create(input: TCreateUser, actorId: number) {
      await assertEmailFree(input.email);
      await assertReferences(input);
      const shaped = roleShaped(input);
      const passwordHash = await hashPassword(input.password);
      const created = await prisma.$transaction(async (tx) => {
        const user = await tx.user.create({
          data: {
            email: input.email,
            name: input.name,
            phone: input.phone,
            role: input.role,
            locale: input.locale,
            passwordHash,
            // An admin vouches for the address; only self-registered clients confirm theirs.
            emailVerifiedAt: new Date(),
            organizationId: shaped.organizationId,
            isOrgManager: shaped.isOrgManager,
            departments: { create: shaped.departmentIds.map((departmentId) => ({ departmentId })) },
          },
          select: { id: true },
        });
        await tx.auditLog.create({
          data: {
            actorId,
            action: 'user.create',
            entityType: 'user',
            entityId: String(user.id),
            data: { role: input.role },
          },
        });
        return user;
      });
      await referenceChanged(prisma);
      return created;
    },

    async update(id: number, input: TUpdateUser, actorId: number) {
      const current = await prisma.user.findUnique({ where: { id }, select: { role: true, isActive: true } });
      if (!current) throw notFound();
      await assertEmailFree(input.email, id);
      await assertReferences(input);
      const shaped = roleShaped(input);
      await prisma.$transaction(async (tx) => {
        if (current.role === 'ADMIN' && input.role !== 'ADMIN' && current.isActive) await assertNotLastAdmin(tx, id);
        await tx.userDepartment.deleteMany({ where: { userId: id } });
        await tx.user.update({
          where: { id },
          data: {
            email: input.email,
            name: input.name,
            phone: input.phone,
            role: input.role,
            locale: input.locale,
            organizationId: shaped.organizationId,
            isOrgManager: shaped.isOrgManager,
            departments: { create: shaped.departmentIds.map((departmentId) => ({ departmentId })) },
          },
        });
        await tx.auditLog.create({
          data: {
            actorId,
            action: 'user.update',
            entityType: 'user',
            entityId: String(id),
            data: current.role === input.role ? {} : { role: { from: current.role, to: input.role } },
          },
        });
      });
      await referenceChanged(prisma);
    },

    async setActive(id: number, isActive: boolean, actorId: number) {
      if (id === actorId && !isActive) throw new AppError('CONFLICT', 'admin.users.cannotDeactivateSelf');
      const current = await prisma.user.findUnique({ where: { id }, select: { role: true, isActive: true } });
      if (!current) throw notFound();
      await prisma.$transaction(async (tx) => {
        if (!isActive && current.role === 'ADMIN') await assertNotLastAdmin(tx, id);
        await tx.user.update({
          where: { id },
          // A new epoch invalidates every session of the user even if a row survives elsewhere.
          data: { isActive, ...(isActive ? {} : { sessionEpoch: { increment: 1 } }) },
        });
        if (!isActive) await endSessions(tx, id);
        await tx.auditLog.create({
          data: {
            actorId,
            action: isActive ? 'user.reactivate' : 'user.deactivate',
            entityType: 'user',
            entityId: String(id),
          },
        });
      });
      await referenceChanged(prisma);
    },

    /** For a self-registered client whose confirmation e-mail cannot reach them (no SMTP). */
    async confirmEmail(id: number, actorId: number) {
      const current = await prisma.user.findUnique({ where: { id }, select: { emailVerifiedAt: true } });
      if (!current) throw notFound();
      if (current.emailVerifiedAt) return;
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id }, data: { emailVerifiedAt: new Date() } });
        // The link in their mailbox is no longer needed.
        await tx.userToken.updateMany({
          where: { userId: id, purpose: 'EMAIL_VERIFICATION', usedAt: null },
          data: { usedAt: new Date() },
        });
        await tx.auditLog.create({
          data: { actorId, action: 'user.confirmEmail', entityType: 'user', entityId: String(id) },
        });
      });
    },

    async resetPassword(id: number, password: string, actorId: number) {
      const exists = await prisma.user.findUnique({ where: { id }, select: { id: true } });
      if (!exists) throw notFound();
      const passwordHash = await hashPassword(password);
      await prisma.$transaction(async (tx) => {
        await tx.user.update({ where: { id }, data: { passwordHash, sessionEpoch: { increment: 1 } } });
        await endSessions(tx, id);
        await tx.auditLog.create({
          data: { actorId, action: 'user.resetPassword', entityType: 'user', entityId: String(id) },
        });
      });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
