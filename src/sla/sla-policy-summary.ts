// A policy in words, for the admin's list and preview: "Prioridad: Crítica · Canal: Teléfono" and
// "1ª respuesta 1 h · resolución 4 h (horario comercial)". Built here so the views only print.
import type { TFunction } from 'i18next';
import type { Channel, Priority } from '../generated/prisma/enums.js';
import type { SlaPolicyRule } from './sla-policies.js';
import { targetColumn, targetFields } from './sla-policies.schema.js';
import type { PolicyNames } from './sla-policies.service.js';
import type { SlaMiss } from './sla-policy-preview.js';

/** Organizations named in a one-line summary before "and N more". */
const ORGANIZATIONS_SHOWN = 3;

/** "4 h 30 min"; whole days ("2 d") only on calendar time, where a day is one. */
export function durationText(t: TFunction, minutes: number, options: { days: boolean }): string {
  const parts: string[] = [];
  let rest = minutes;
  if (options.days && rest >= 1440) {
    parts.push(t('admin.sla.units.day', { count: Math.floor(rest / 1440) }));
    rest %= 1440;
  }
  if (rest >= 60) {
    parts.push(t('admin.sla.units.hour', { count: Math.floor(rest / 60) }));
    rest %= 60;
  }
  if (rest > 0 || parts.length === 0) parts.push(t('admin.sla.units.minute', { count: rest }));
  return parts.join(' ');
}

const nameOf = (t: TFunction, names: Map<number, string>, id: number) =>
  names.get(id) ?? t('admin.sla.deletedItem', { id });

export const priorityLabel = (t: TFunction, priority: Priority) => t(`tickets.priority.${priority}`);
export const channelLabel = (t: TFunction, channel: Channel) => t(`tickets.channel.${channel}`);

/** What a condition asks for, in words ("Crítica, Alta"), for the summary and the preview's reasons. */
export function wantedText(
  t: TFunction,
  policy: SlaPolicyRule,
  condition: Exclude<SlaMiss, 'inactive'>,
  names: PolicyNames,
) {
  switch (condition) {
    case 'priority':
      return policy.priorities.map((priority) => priorityLabel(t, priority)).join(', ');
    case 'channel':
      return policy.channels.map((channel) => channelLabel(t, channel)).join(', ');
    case 'category':
      return policy.categoryIds.map((id) => nameOf(t, names.categories, id)).join(', ');
    case 'department':
      return policy.departmentIds.map((id) => nameOf(t, names.departments, id)).join(', ');
    case 'organization': {
      const shown = policy.organizationIds
        .slice(0, ORGANIZATIONS_SHOWN)
        .map((id) => nameOf(t, names.organizations, id));
      const more = policy.organizationIds.length - shown.length;
      return more > 0 ? t('admin.sla.andMore', { list: shown.join(', '), count: more }) : shown.join(', ');
    }
  }
}

/** The conditions, one phrase each; "every ticket" when there are none. */
export function conditionsText(t: TFunction, policy: SlaPolicyRule, names: PolicyNames): string {
  const parts: string[] = [];
  if (policy.priorities.length > 0)
    parts.push(t('admin.sla.when.priority', { list: wantedText(t, policy, 'priority', names) }));
  if (policy.categoryIds.length > 0)
    parts.push(t('admin.sla.when.category', { list: wantedText(t, policy, 'category', names) }));
  if (policy.departmentIds.length > 0) {
    parts.push(t('admin.sla.when.department', { list: wantedText(t, policy, 'department', names) }));
  }
  if (policy.organizationIds.length > 0) {
    parts.push(t('admin.sla.when.organization', { list: wantedText(t, policy, 'organization', names) }));
  }
  if (policy.channels.length > 0)
    parts.push(t('admin.sla.when.channel', { list: wantedText(t, policy, 'channel', names) }));
  return parts.length === 0 ? t('admin.sla.anyTicket') : parts.join(' · ');
}

/** "1ª respuesta 1 h · resolución 8 h (horario comercial)". */
export function targetsText(t: TFunction, policy: SlaPolicyRule): string {
  const days = !policy.businessHours;
  const parts = targetFields.flatMap((field) => {
    const minutes = policy[targetColumn[field]];
    return minutes === null ? [] : [t(`admin.sla.target.${field}`, { duration: durationText(t, minutes, { days }) })];
  });
  const clock = policy.businessHours ? t('admin.sla.businessHoursNote') : t('admin.sla.calendarTimeNote');
  return `${parts.join(' · ')} ${clock}`;
}

/** The ticket's side of each condition, in words (null: it has none). */
export type SubjectInWords = Record<Exclude<SlaMiss, 'inactive'>, string | null>;

/** Why the preview passed a policy over: "Prioridad: exige Crítica; el ticket es Alta." */
export function missText(
  t: TFunction,
  policy: SlaPolicyRule,
  miss: SlaMiss,
  names: PolicyNames,
  ticket: SubjectInWords,
) {
  if (miss === 'inactive') return t('admin.sla.preview.miss.inactive');
  return t(`admin.sla.preview.miss.${miss}`, {
    wanted: wantedText(t, policy, miss, names),
    actual: ticket[miss] ?? t('admin.sla.preview.noValue'),
  });
}
