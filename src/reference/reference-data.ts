// Reference data every staff page shows (categories, departments, technicians, organizations for
// the filters), read from the database once and kept in this process until something changes it.
// A change anywhere calls referenceChanged(): it empties this process's copy at once and tells the
// other processes through PostgreSQL NOTIFY (each empties its copy when the live hub hears it).
// The copy also expires after a minute, in case a notification was missed.
import type { PrismaClient } from '../generated/prisma/client.js';

export const CACHE_CHANNEL = 'centinela_cache';
const MAX_AGE_MS = 60_000;

export type ReferenceData = {
  categories: { id: number; name: string; departmentId: number | null }[];
  departments: { id: number; name: string }[];
  /** Every technician (filters list past ones too); `isActive` and departments for the pickers. */
  technicians: { id: number; name: string; isActive: boolean; departmentIds: number[] }[];
  /** The organizations a filter offers (the first 1000 by name). */
  organizations: { id: number; name: string }[];
};

const caches = new Set<() => void>();

/** Registers a per-process cache to empty whenever reference data or settings change. */
export function registerCache(clear: () => void): void {
  caches.add(clear);
}

/** Empties every reference copy of this process (called on a change here, or on a NOTIFY from elsewhere). */
export function clearReferenceCaches(): void {
  for (const clear of caches) clear();
}

/** After a committed change to users, departments, categories, organizations or settings. */
export async function referenceChanged(prisma: Pick<PrismaClient, '$executeRaw'>): Promise<void> {
  clearReferenceCaches();
  await prisma.$executeRaw`SELECT pg_notify(${CACHE_CHANNEL}, 'reference')`;
}

export function createReferenceData(prisma: PrismaClient) {
  let cached: { at: number; value: Promise<ReferenceData> } | null = null;
  registerCache(() => {
    cached = null;
  });

  async function load(): Promise<ReferenceData> {
    const [categories, departments, technicians, organizations] = await Promise.all([
      prisma.category.findMany({
        where: { isActive: true },
        orderBy: { name: 'asc' },
        select: { id: true, name: true, departmentId: true },
      }),
      prisma.department.findMany({
        where: { isActive: true },
        orderBy: { name: 'asc' },
        select: { id: true, name: true },
      }),
      prisma.user.findMany({
        where: { role: 'TECHNICIAN' },
        orderBy: { name: 'asc' },
        select: { id: true, name: true, isActive: true, departments: { select: { departmentId: true } } },
      }),
      prisma.organization.findMany({ orderBy: { name: 'asc' }, take: 1000, select: { id: true, name: true } }),
    ]);
    return {
      categories,
      departments,
      technicians: technicians.map(({ departments: memberships, ...tech }) => ({
        ...tech,
        departmentIds: memberships.map((m) => m.departmentId),
      })),
      organizations,
    };
  }

  return {
    get(): Promise<ReferenceData> {
      if (!cached || Date.now() - cached.at > MAX_AGE_MS) {
        const value = load();
        cached = { at: Date.now(), value };
        // A failed read is not kept.
        value.catch(() => {
          if (cached?.value === value) cached = null;
        });
      }
      return cached.value;
    },
  };
}

export type ReferenceDataCache = ReturnType<typeof createReferenceData>;

/** The members an organization manager's requester filter lists, at most this many (by name). */
const MEMBERS_LIMIT = 500;
/** Organizations whose members this process keeps (the least recently read are dropped). */
const MEMBERS_ORGANIZATIONS = 1000;

/**
 * An organization's people for its managers' requester filter, kept like the reference data: a
 * manager's every list page would otherwise read them again. Users change only through the admin's
 * user pages (which call referenceChanged); a name a user edits shows within a minute.
 */
export function createOrganizationMembers(prisma: PrismaClient) {
  const cached = new Map<number, { at: number; value: Promise<{ id: number; name: string }[]> }>();
  registerCache(() => cached.clear());
  return {
    get(organizationId: number): Promise<{ id: number; name: string }[]> {
      const hit = cached.get(organizationId);
      if (hit && Date.now() - hit.at <= MAX_AGE_MS) {
        // Re-inserted: Map order is recency, so the oldest read is dropped first.
        cached.delete(organizationId);
        cached.set(organizationId, hit);
        return hit.value;
      }
      const value = prisma.user.findMany({
        where: { organizationId },
        orderBy: [{ name: 'asc' }, { id: 'asc' }],
        take: MEMBERS_LIMIT,
        select: { id: true, name: true },
      });
      cached.delete(organizationId);
      cached.set(organizationId, { at: Date.now(), value });
      if (cached.size > MEMBERS_ORGANIZATIONS) cached.delete(cached.keys().next().value as number);
      value.catch(() => {
        if (cached.get(organizationId)?.value === value) cached.delete(organizationId);
      });
      return value;
    },
  };
}
