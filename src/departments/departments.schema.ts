import { z } from 'zod';
import { checkbox, optionalId, text } from '../lib/validate.js';

export const assignMethods = ['MANUAL', 'ROUND_ROBIN', 'LEAST_LOADED'] as const;

export const ZDepartment = z.object({
  name: text({ max: 80 }),
  isActive: checkbox(),
  calendarId: optionalId(),
  // A form without the select (an older page) keeps today's behaviour: manual.
  assignMethod: z.enum(assignMethods, { error: 'invalidChoice' }).optional().default('MANUAL'),
});
export type TDepartment = z.infer<typeof ZDepartment>;

export const ZCategory = z.object({ name: text({ max: 80 }), departmentId: optionalId(), isActive: checkbox() });
export type TCategory = z.infer<typeof ZCategory>;
