// What a rule is, pure: its triggers, its conditions (the SLA policies' conditions — one
// definition, policyMatches() — plus subject/description contains) and its actions. The engine
// (rule-engine.ts), the admin's dry run and the tests all ask matches() here.
import type { Channel, Priority, TicketStatus } from '../generated/prisma/enums.js';
import { policyMatches, type SlaConditions } from '../sla/sla-policies.js';
import type { TicketChange } from '../tickets/ticket-changes.js';

export const ruleTriggers = [
  'created',
  'updated',
  'client_replied',
  'sla_warning',
  'sla_breach',
  'time_in_status',
] as const;
export type RuleTrigger = (typeof ruleTriggers)[number];
export const isRuleTrigger = (value: unknown): value is RuleTrigger =>
  typeof value === 'string' && (ruleTriggers as readonly string[]).includes(value);

export const actionTypes = [
  'set_priority',
  'set_category',
  'set_department',
  'assign',
  'internal_note',
  'canned_reply',
  'notify',
  'close',
] as const;
export type RuleActionType = (typeof actionTypes)[number];
/** `value`: a priority, an id, a note's text, a canned reply's id, or a notify target (notifyTargets). */
export type RuleAction = { type: RuleActionType; value?: string };
export const MAX_ACTIONS = 5;
/** Who a "notify" action reaches: one user, a role's active members, or the ticket's technician. */
export const notifyTargets = ['role:SUPPORT', 'role:ADMIN', 'assignee'] as const;

/**
 * How deep a chain of rules may go: a person's change is depth 0, what a rule does because of it
 * depth 1, and so on. An event at this depth is not evaluated (each rule that would have run
 * logs "loop_cut"). With the causal chain (no rule runs on an event it caused, even indirectly)
 * a cycle ends within as many steps as there are rules in it; the depth bounds any chain.
 */
export const MAX_DEPTH = 3;

export type RuleDefinition = SlaConditions & {
  id: number;
  name: string;
  position: number;
  trigger: string;
  timeStatus: TicketStatus | null;
  timeHours: number | null;
  subjectContains: string | null;
  descriptionContains: string | null;
  actions: RuleAction[];
};

/** What conditions look at: the ticket as it is when the rule is evaluated. */
export type RuleSubject = {
  priority: Priority;
  categoryId: number | null;
  departmentId: number | null;
  organizationId: number | null;
  channel: Channel;
  subject: string;
  description: string;
  status: TicketStatus;
};

/** Case- and accent-insensitive "contains" (a rule says "cámara", a client writes "CAMARA"). */
const fold = (text: string) =>
  text
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .toLocaleLowerCase();
const contains = (text: string, needle: string | null) => !needle || fold(text).includes(fold(needle));

export function matches(rule: RuleDefinition, ticket: RuleSubject): boolean {
  return (
    policyMatches(rule, ticket) &&
    contains(ticket.subject, rule.subjectContains) &&
    contains(ticket.description, rule.descriptionContains) &&
    (rule.trigger !== 'time_in_status' || rule.timeStatus === ticket.status)
  );
}

/** The trigger a ticket change stands for, if any (deleting and restoring trigger nothing). */
export function triggerOf(change: TicketChange): RuleTrigger | null {
  switch (change.kind) {
    case 'created':
      return 'created';
    case 'comment':
      return change.actorRole === 'CLIENT' && !change.comment.isInternal ? 'client_replied' : 'updated';
    case 'transition':
    case 'properties':
    case 'onSite':
      return 'updated';
    default:
      return null;
  }
}

/** A stored action list, read defensively (it is JSON). */
export function actionsOf(value: unknown): RuleAction[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(
      (item): item is RuleAction =>
        typeof item === 'object' &&
        item !== null &&
        (actionTypes as readonly string[]).includes((item as RuleAction).type) &&
        ((item as RuleAction).value === undefined || typeof (item as RuleAction).value === 'string'),
    )
    .slice(0, MAX_ACTIONS);
}
