import { z } from 'zod';
import { checkbox, optionalId, text } from '../lib/validate.js';

export const ZDepartment = z.object({ name: text({ max: 80 }), isActive: checkbox(), calendarId: optionalId() });
export type TDepartment = z.infer<typeof ZDepartment>;

export const ZCategory = z.object({ name: text({ max: 80 }), departmentId: optionalId(), isActive: checkbox() });
export type TCategory = z.infer<typeof ZCategory>;
