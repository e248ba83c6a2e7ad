// Which SLA policy applies to a ticket: the first active one, in the admin's order, whose
// conditions all hold (an empty condition list is "any"). Pure: the service, the admin's
// "which policy applies?" preview and the tests all ask this one function.
import type { Channel, Priority } from '../generated/prisma/enums.js';

export type SlaTargets = {
  firstResponseMinutes: number | null;
  nextResponseMinutes: number | null;
  resolutionMinutes: number | null;
  onSiteMinutes: number | null;
};

export type SlaPolicyRule = SlaTargets & {
  id: number;
  name: string;
  position: number;
  isActive: boolean;
  priorities: Priority[];
  categoryIds: number[];
  departmentIds: number[];
  organizationIds: number[];
  channels: Channel[];
  businessHours: boolean;
  escalationUserId: number | null;
};

/** What a policy's conditions look at. */
export type SlaSubject = {
  priority: Priority;
  categoryId: number | null;
  departmentId: number | null;
  organizationId: number | null;
  channel: Channel;
};

const holds = <T>(allowed: readonly T[], value: T | null) =>
  allowed.length === 0 || (value !== null && allowed.includes(value));

/** The conditions part of a policy, also the shape of an automation rule's conditions (src/rules/). */
export type SlaConditions = Pick<
  SlaPolicyRule,
  'isActive' | 'priorities' | 'categoryIds' | 'departmentIds' | 'organizationIds' | 'channels'
>;

export function policyMatches(policy: SlaConditions, ticket: SlaSubject): boolean {
  return (
    policy.isActive &&
    holds(policy.priorities, ticket.priority) &&
    holds(policy.categoryIds, ticket.categoryId) &&
    holds(policy.departmentIds, ticket.departmentId) &&
    holds(policy.organizationIds, ticket.organizationId) &&
    holds(policy.channels, ticket.channel)
  );
}

/** The policy that applies, or null; `policies` in any order (sorted here by position, then id). */
export function pickPolicy<P extends SlaPolicyRule>(policies: readonly P[], ticket: SlaSubject): P | null {
  const ordered = [...policies].sort((a, b) => a.position - b.position || a.id - b.id);
  return ordered.find((policy) => policyMatches(policy, ticket)) ?? null;
}
