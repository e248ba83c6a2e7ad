// A demo rule, so a newcomer sees automation work on first start: a ticket whose subject says
// "urgente" becomes critical, with a note for staff. Flagged isDemo: "remove demo data" takes it
// unless an admin has edited it since (then it is theirs).
import type { Prisma } from '../generated/prisma/client.js';
import { lockRuleOrder, renumberRules } from '../rules/rules.service.js';

export const demoRuleName = 'Urgente por asunto';

export async function seedDemoRules(tx: Prisma.TransactionClient): Promise<void> {
  await lockRuleOrder(tx);
  const taken = await tx.rule.findFirst({
    where: { name: { equals: demoRuleName, mode: 'insensitive' } },
    select: { id: true },
  });
  if (taken) return;
  const last = await tx.rule.aggregate({ _max: { position: true } });
  await tx.rule.create({
    data: {
      name: demoRuleName,
      position: (last._max.position ?? 0) + 1,
      trigger: 'created',
      subjectContains: 'urgente',
      actions: [
        { type: 'set_priority', value: 'CRITICAL' },
        {
          type: 'internal_note',
          value: 'Marcada crítica por la palabra «urgente» en el asunto. Confirmar con el cliente.',
        },
      ],
      isDemo: true,
    },
  });
}

export async function removeDemoRules(tx: Prisma.TransactionClient): Promise<void> {
  await lockRuleOrder(tx);
  await tx.rule.deleteMany({ where: { isDemo: true } });
  await renumberRules(tx);
}
