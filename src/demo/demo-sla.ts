// Demo SLA policies, tried in this order: critical and high tickets of a security company's
// contract, then every other ticket. Business hours on the department's calendar. Flagged isDemo,
// so "remove demo data" takes them (unless an admin has edited one: then it is theirs).
import type { Prisma } from '../generated/prisma/client.js';
import { lockSlaPolicyOrder, renumberSlaPolicies } from '../sla/sla-policies.service.js';

type DemoPolicy = Pick<
  Prisma.SlaPolicyCreateManyInput,
  'name' | 'priorities' | 'firstResponseMinutes' | 'resolutionMinutes' | 'onSiteMinutes'
>;

const hours = (count: number) => count * 60;

export const demoSlaPolicies: DemoPolicy[] = [
  {
    name: 'Crítico',
    priorities: ['CRITICAL'],
    firstResponseMinutes: hours(1),
    resolutionMinutes: hours(4),
    onSiteMinutes: hours(8),
  },
  {
    name: 'Alto',
    priorities: ['HIGH'],
    firstResponseMinutes: hours(2),
    resolutionMinutes: hours(8),
    onSiteMinutes: hours(24),
  },
  { name: 'Normal', priorities: [], firstResponseMinutes: hours(8), resolutionMinutes: hours(40), onSiteMinutes: null },
];

/**
 * Adds the demo policies after any the desk already has; one whose name is taken is left out (the
 * desk's own policy of that name wins).
 */
export async function seedDemoSlaPolicies(tx: Prisma.TransactionClient): Promise<void> {
  await lockSlaPolicyOrder(tx);
  const count = await renumberSlaPolicies(tx);
  const taken = new Set(
    (await tx.slaPolicy.findMany({ select: { name: true } })).map((policy) => policy.name.toLowerCase()),
  );
  const fresh = demoSlaPolicies.filter((policy) => !taken.has(policy.name.toLowerCase()));
  await tx.slaPolicy.createMany({
    data: fresh.map((policy, index) => ({
      ...policy,
      position: count + index + 1,
      businessHours: true,
      isDemo: true,
    })),
  });
}

export async function removeDemoSlaPolicies(tx: Prisma.TransactionClient): Promise<void> {
  await lockSlaPolicyOrder(tx);
  await tx.slaPolicy.deleteMany({ where: { isDemo: true } });
  await renumberSlaPolicies(tx);
}
