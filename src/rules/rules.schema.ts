// A rule as the admin's form sends it (works without JavaScript): fixed fields for the trigger and
// conditions — the SLA policies' own field parsers, one definition — and up to MAX_ACTIONS action
// rows, each a type, a target picked from one select (prefixed: "priority:HIGH", "category:3",
// "department:2", "reply:5", "user:7", "role:SUPPORT", "assignee") and a text (the note). Empty
// rows are skipped. Messages are keys under `validation.`.
import { z } from 'zod';
import { TicketStatus } from '../generated/prisma/enums.js';
import { checkbox, idList, optionalText, text } from '../lib/validate.js';
import { channelOrder, enumList, organizationLines, priorityOrder } from '../sla/sla-policies.schema.js';
import { actionTypes, MAX_ACTIONS, type RuleAction, type RuleActionType, ruleTriggers } from './rules.js';

export const actionRows = Array.from({ length: MAX_ACTIONS }, (_, index) => index + 1);
/** The statuses a time trigger may wait in (any but the final ones, and RESOLVED/CLOSED for closing). */
export const timeStatuses = Object.values(TicketStatus);
export const MAX_TIME_HOURS = 24 * 365;

/** The target prefix each action type takes (null: no target; 'text': the text field). */
export const targetKindOf: Record<RuleActionType, string | null> = {
  set_priority: 'priority',
  set_category: 'category',
  set_department: 'department',
  assign: null,
  internal_note: 'text',
  canned_reply: 'reply',
  notify: 'notify',
  close: null,
};

const row = Object.fromEntries(
  actionRows.flatMap((i) => [
    [`actionType${i}`, z.string().optional()],
    [`actionTarget${i}`, z.string().max(40).optional()],
    [`actionText${i}`, z.string().max(5000).optional()],
  ]),
);

const hours = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const input = (value ?? '').trim();
    if (input === '') return null;
    if (!/^\d{1,5}$/.test(input) || Number(input) < 1 || Number(input) > MAX_TIME_HOURS) {
      ctx.addIssue({ code: 'custom', message: 'outOfRange', params: { min: 1, max: MAX_TIME_HOURS } });
      return z.NEVER;
    }
    return Number(input);
  });

export const ZRuleForm = z
  .object({
    name: text({ max: 80 }),
    isActive: checkbox(),
    trigger: z.enum(ruleTriggers, { error: 'invalidChoice' }),
    timeStatus: z.union([z.enum(timeStatuses), z.literal('')]).optional(),
    timeHours: hours,
    priorities: enumList(priorityOrder),
    categoryIds: idList(),
    departmentIds: idList(),
    organizations: organizationLines(),
    channels: enumList(channelOrder),
    subjectContains: optionalText({ max: 200 }),
    descriptionContains: optionalText({ max: 200 }),
    ...row,
  })
  .transform((form, ctx) => {
    const actions: RuleAction[] = [];
    for (const i of actionRows) {
      const type = (form[`actionType${i}` as keyof typeof form] as string | undefined) ?? '';
      if (type === '') continue;
      if (!(actionTypes as readonly string[]).includes(type)) {
        ctx.addIssue({ code: 'custom', message: 'invalidChoice', path: [`actionType${i}`] });
        continue;
      }
      const kind = targetKindOf[type as RuleActionType];
      const target = ((form[`actionTarget${i}` as keyof typeof form] as string | undefined) ?? '').trim();
      const body = ((form[`actionText${i}` as keyof typeof form] as string | undefined) ?? '').trim();
      if (kind === null) {
        actions.push({ type: type as RuleActionType });
      } else if (kind === 'text') {
        if (body === '') ctx.addIssue({ code: 'custom', message: 'required', path: [`actionText${i}`] });
        else actions.push({ type: type as RuleActionType, value: body });
      } else if (kind === 'notify') {
        if (!/^(user:\d{1,9}|role:(SUPPORT|ADMIN)|assignee)$/.test(target)) {
          ctx.addIssue({ code: 'custom', message: 'invalidChoice', path: [`actionTarget${i}`] });
        } else actions.push({ type: type as RuleActionType, value: target });
      } else {
        const prefix = `${kind}:`;
        const value = target.startsWith(prefix) ? target.slice(prefix.length) : '';
        const valid = kind === 'priority' ? (priorityOrder as string[]).includes(value) : /^\d{1,9}$/.test(value);
        if (!valid) ctx.addIssue({ code: 'custom', message: 'invalidChoice', path: [`actionTarget${i}`] });
        else actions.push({ type: type as RuleActionType, value });
      }
    }
    if (actions.length === 0) ctx.addIssue({ code: 'custom', message: 'ruleNeedsAction', path: ['actionType1'] });
    const timed = form.trigger === 'time_in_status';
    if (timed && !form.timeStatus) ctx.addIssue({ code: 'custom', message: 'required', path: ['timeStatus'] });
    if (timed && form.timeHours === null) ctx.addIssue({ code: 'custom', message: 'required', path: ['timeHours'] });
    return {
      name: form.name,
      isActive: form.isActive,
      trigger: form.trigger,
      timeStatus: timed && form.timeStatus ? form.timeStatus : null,
      timeHours: timed ? form.timeHours : null,
      priorities: form.priorities,
      categoryIds: form.categoryIds,
      departmentIds: form.departmentIds,
      organizationNames: form.organizations,
      channels: form.channels,
      subjectContains: form.subjectContains,
      descriptionContains: form.descriptionContains,
      actions,
    };
  });
export type TRuleForm = z.output<typeof ZRuleForm>;

/** A built-in rule's form: only what the admin may change of it (its hours, whether it is on). */
export const ZBuiltInRuleForm = z.object({ isActive: checkbox(), timeHours: hours }).transform((form, ctx) => {
  if (form.timeHours === null) ctx.addIssue({ code: 'custom', message: 'required', path: ['timeHours'] });
  return form;
});

/** A stored action as the form's row fields. */
export function actionRowValues(actions: RuleAction[]): Record<string, string> {
  const values: Record<string, string> = {};
  actions.forEach((action, index) => {
    const i = index + 1;
    values[`actionType${i}`] = action.type;
    const kind = targetKindOf[action.type];
    if (kind === 'text') values[`actionText${i}`] = action.value ?? '';
    else if (kind === 'notify') values[`actionTarget${i}`] = action.value ?? '';
    else if (kind !== null) values[`actionTarget${i}`] = `${kind}:${action.value ?? ''}`;
  });
  return values;
}
