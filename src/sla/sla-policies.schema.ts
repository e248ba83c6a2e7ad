// An SLA policy as the admin's form sends it. Targets are typed as durations ("1h", "4h 30m",
// "90m", "2d") and stored as minutes; organizations as names, one a line (there may be thousands
// of them: a select would either list them all or silently leave some out), which the service
// looks up. Custom messages are keys under `validation.` (see lib/validate.ts).
import { z } from 'zod';
import { Channel, Priority } from '../generated/prisma/enums.js';
import { checkbox, idList, optionalId, text } from '../lib/validate.js';
import type { SlaTargets } from './sla-policies.js';

/** Most urgent first, as the form and the summaries list them. */
export const priorityOrder: Priority[] = [Priority.CRITICAL, Priority.HIGH, Priority.MEDIUM, Priority.LOW];
export const channelOrder: Channel[] = [Channel.WEB, Channel.EMAIL, Channel.PHONE, Channel.API];

export const targetFields = ['firstResponse', 'nextResponse', 'resolution', 'onSite'] as const;
export type TargetField = (typeof targetFields)[number];
export const targetColumn = {
  firstResponse: 'firstResponseMinutes',
  nextResponse: 'nextResponseMinutes',
  resolution: 'resolutionMinutes',
  onSite: 'onSiteMinutes',
} as const satisfies Record<TargetField, keyof SlaTargets>;

/** A year: longer is a typo, not a contract. */
export const MAX_TARGET_MINUTES = 365 * 24 * 60;
export const MAX_ORGANIZATIONS = 500;

const minutesPerUnit: Record<string, number> = {};
for (const unit of ['d', 'día', 'días', 'dia', 'dias', 'day', 'days']) minutesPerUnit[unit] = 24 * 60;
for (const unit of ['h', 'hs', 'hr', 'hrs', 'hora', 'horas', 'hour', 'hours']) minutesPerUnit[unit] = 60;
for (const unit of ['m', 'min', 'mins', 'minuto', 'minutos', 'minute', 'minutes']) minutesPerUnit[unit] = 1;

/**
 * "1h", "4h 30m", "90m", "2d", "1,5 h", "1:30" → minutes; null when it is not a duration. A day is
 * 24 hours, also on business hours (where the clock counts only open minutes of them).
 */
export function parseDuration(value: string): number | null {
  const input = value.trim().toLowerCase();
  const clock = /^(\d{1,4}):([0-5]\d)$/.exec(input);
  if (clock) return Number(clock[1]) * 60 + Number(clock[2]);
  const piece = /(\d+(?:[.,]\d+)?)\s*(\p{L}+)\s*/uy;
  let total = 0;
  let pieces = 0;
  let end = 0;
  for (let match = piece.exec(input); match; match = piece.exec(input)) {
    const size = minutesPerUnit[match[2] ?? ''];
    if (size === undefined) return null;
    total += Number((match[1] ?? '').replace(',', '.')) * size;
    pieces += 1;
    end = piece.lastIndex;
  }
  if (pieces === 0 || end !== input.length) return null;
  return Math.round(total);
}

/**
 * Minutes in the form's own syntax ("4h 30m", "2d"): what parseDuration reads back. Days only on
 * calendar time — "1d" of business hours would read as one working day, which it is not.
 */
export function formatDuration(minutes: number, options: { days: boolean }): string {
  const parts: string[] = [];
  let rest = minutes;
  if (options.days && rest >= 1440) {
    parts.push(`${Math.floor(rest / 1440)}d`);
    rest %= 1440;
  }
  if (rest >= 60) {
    parts.push(`${Math.floor(rest / 60)}h`);
    rest %= 60;
  }
  if (rest > 0 || parts.length === 0) parts.push(`${rest}m`);
  return parts.join(' ');
}

const duration = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const input = (value ?? '').trim();
      if (input === '') return null;
      const minutes = input.length > 40 ? null : parseDuration(input);
      if (minutes === null) {
        ctx.addIssue({ code: 'custom', message: 'invalidDuration' });
        return z.NEVER;
      }
      if (minutes < 1 || minutes > MAX_TARGET_MINUTES) {
        ctx.addIssue({ code: 'custom', message: 'durationOutOfRange' });
        return z.NEVER;
      }
      return minutes;
    });

/** Repeated checkboxes of an enum; anything else is refused. */
export const enumList = <T extends string>(values: readonly T[]) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value, ctx) => {
      const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
      if (list.some((item) => !(values as readonly string[]).includes(item))) {
        ctx.addIssue({ code: 'custom', message: 'invalidChoice' });
        return z.NEVER;
      }
      // Stored in the form's order, so the summaries and the audit read the same way each time.
      return values.filter((item) => list.includes(item));
    });

/** One organization name a line; blank lines ignored, repeats (in any case) once. */
export const organizationLines = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      const seen = new Set<string>();
      const names: string[] = [];
      for (const line of (value ?? '').split(/\r?\n/)) {
        const name = line.normalize('NFC').trim();
        if (name === '' || seen.has(name.toLowerCase())) continue;
        if (name.length > 160) {
          ctx.addIssue({ code: 'custom', message: 'tooLong', params: { max: 160 } });
          return z.NEVER;
        }
        seen.add(name.toLowerCase());
        names.push(name);
      }
      if (names.length > MAX_ORGANIZATIONS) {
        ctx.addIssue({ code: 'custom', message: 'tooManyOrganizations', params: { max: MAX_ORGANIZATIONS } });
        return z.NEVER;
      }
      return names;
    });

export const ZSlaPolicyForm = z
  .object({
    name: text({ max: 80 }),
    priorities: enumList(priorityOrder),
    categoryIds: idList(),
    departmentIds: idList(),
    organizations: organizationLines(),
    channels: enumList(channelOrder),
    firstResponse: duration(),
    nextResponse: duration(),
    resolution: duration(),
    onSite: duration(),
    businessHours: checkbox(),
    escalationUserId: optionalId(),
  })
  .superRefine((form, ctx) => {
    if (targetFields.every((field) => form[field] === null)) {
      ctx.addIssue({ code: 'custom', message: 'slaNeedsTarget', path: ['targets'] });
    }
  })
  .transform(({ organizations, firstResponse, nextResponse, resolution, onSite, ...rest }) => ({
    ...rest,
    organizationNames: organizations,
    firstResponseMinutes: firstResponse,
    nextResponseMinutes: nextResponse,
    resolutionMinutes: resolution,
    onSiteMinutes: onSite,
  }));

export type TSlaPolicyForm = z.output<typeof ZSlaPolicyForm>;

/** A stored policy as the form shows it (organization names looked up by the caller). */
export function slaPolicyFormValues(
  policy: SlaTargets & {
    name: string;
    priorities: Priority[];
    categoryIds: number[];
    departmentIds: number[];
    channels: Channel[];
    businessHours: boolean;
    escalationUserId: number | null;
  },
  organizationNames: string[],
) {
  const days = !policy.businessHours;
  const shown = (minutes: number | null) => (minutes === null ? '' : formatDuration(minutes, { days }));
  return {
    name: policy.name,
    priorities: policy.priorities,
    categoryIds: policy.categoryIds.map(String),
    departmentIds: policy.departmentIds.map(String),
    organizations: organizationNames.join('\n'),
    channels: policy.channels,
    businessHours: policy.businessHours,
    escalationUserId: policy.escalationUserId === null ? '' : String(policy.escalationUserId),
    ...Object.fromEntries(targetFields.map((field) => [field, shown(policy[targetColumn[field]])])),
  };
}
