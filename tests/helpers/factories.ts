// Factories with overrides and unique e-mails; no fixtures shared between files.
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { Role } from '../../src/generated/prisma/enums.js';
import { hashPassword } from '../../src/lib/password.js';
import { TEST_PASSWORD } from './app.js';

let sequence = 0;
const next = () => `${Date.now().toString(36)}${(++sequence).toString(36)}`;
let cachedHash: Promise<string> | undefined;

export async function createOrganization(
  prisma: PrismaClient,
  overrides: { name?: string; parentId?: number | null } = {},
) {
  return prisma.organization.create({
    data: { name: overrides.name ?? `Org ${next()}`, parentId: overrides.parentId ?? null },
  });
}

export async function createUser(
  prisma: PrismaClient,
  overrides: {
    role?: Role;
    email?: string;
    name?: string;
    isActive?: boolean;
    organizationId?: number | null;
    isOrgManager?: boolean;
    password?: string;
    /** Null: a self-registered client who has not confirmed their address yet. */
    emailVerifiedAt?: Date | null;
  } = {},
) {
  const role = overrides.role ?? 'CLIENT';
  const organizationId =
    overrides.organizationId !== undefined
      ? overrides.organizationId
      : role === 'CLIENT'
        ? (await createOrganization(prisma)).id
        : null;
  cachedHash ??= hashPassword(TEST_PASSWORD);
  const passwordHash = overrides.password ? await hashPassword(overrides.password) : await cachedHash;
  return prisma.user.create({
    data: {
      email: (overrides.email ?? `${role.toLowerCase()}-${next()}@example.test`).toLowerCase(),
      name: overrides.name ?? `${role} ${next()}`,
      role,
      passwordHash,
      isActive: overrides.isActive ?? true,
      organizationId,
      isOrgManager: overrides.isOrgManager ?? false,
      emailVerifiedAt: overrides.emailVerifiedAt !== undefined ? overrides.emailVerifiedAt : new Date(),
    },
  });
}

export async function createDepartment(prisma: PrismaClient, name = `Dept ${next()}`) {
  return prisma.department.create({ data: { name } });
}
