// "Which policy applies to this ticket, and why not the ones above it?" — the admin's preview.
// The answer is pickPolicy's own; this module only names, for each policy passed over, the first
// condition (in the form's order) that the ticket does not meet.
import { pickPolicy, type SlaPolicyRule, type SlaSubject } from './sla-policies.js';

export const slaConditions = ['priority', 'category', 'department', 'organization', 'channel'] as const;
export type SlaCondition = (typeof slaConditions)[number];
/** Why a policy was passed over: it is switched off, or one of its conditions fails. */
export type SlaMiss = 'inactive' | SlaCondition;

const conditionHolds: Record<SlaCondition, (policy: SlaPolicyRule, ticket: SlaSubject) => boolean> = {
  priority: (p, t) => p.priorities.length === 0 || p.priorities.includes(t.priority),
  category: (p, t) => p.categoryIds.length === 0 || (t.categoryId !== null && p.categoryIds.includes(t.categoryId)),
  department: (p, t) =>
    p.departmentIds.length === 0 || (t.departmentId !== null && p.departmentIds.includes(t.departmentId)),
  organization: (p, t) =>
    p.organizationIds.length === 0 || (t.organizationId !== null && p.organizationIds.includes(t.organizationId)),
  channel: (p, t) => p.channels.length === 0 || p.channels.includes(t.channel),
};

/** The first reason `policy` does not apply to `ticket`, or null when it does. */
export function firstMiss(policy: SlaPolicyRule, ticket: SlaSubject): SlaMiss | null {
  if (!policy.isActive) return 'inactive';
  return slaConditions.find((condition) => !conditionHolds[condition](policy, ticket)) ?? null;
}

export type SlaPickExplained<P extends SlaPolicyRule> = {
  picked: P | null;
  /** The policies before the picked one (all of them when none applies), in order, with the reason. */
  passedOver: { policy: P; miss: SlaMiss }[];
};

export function explainPick<P extends SlaPolicyRule>(policies: readonly P[], ticket: SlaSubject): SlaPickExplained<P> {
  const picked = pickPolicy(policies, ticket);
  // pickPolicy's order: position, then id.
  const ordered = [...policies].sort((a, b) => a.position - b.position || a.id - b.id);
  const passedOver: SlaPickExplained<P>['passedOver'] = [];
  for (const policy of ordered) {
    if (policy === picked) break;
    const miss = firstMiss(policy, ticket);
    // pickPolicy passed over it, so a reason exists; none would mean the two disagree.
    if (miss === null) throw new Error(`SLA preview disagrees with pickPolicy on policy ${policy.id}`);
    passedOver.push({ policy, miss });
  }
  return { picked, passedOver };
}
