import { z } from 'zod';
import { checkbox, email, idList, optionalId, optionalText, password, searchText, text } from '../lib/validate.js';

export const roles = ['CLIENT', 'SUPPORT', 'TECHNICIAN', 'ADMIN'] as const;
export const locales = ['es', 'en', 'pt_BR'] as const;

const userFields = {
  name: text({ max: 120 }),
  email: email(),
  phone: optionalText({ max: 40 }),
  role: z.enum(roles, { error: 'invalidChoice' }),
  organizationId: optionalId(),
  isOrgManager: checkbox(),
  departmentIds: idList(),
  locale: z
    .union([z.enum(locales), z.literal('')])
    .optional()
    .transform((value) => (value ? value : null)),
};

export const ZCreateUser = z
  .object({ ...userFields, password: password(), passwordConfirm: z.string().default('') })
  .refine((data) => data.password === data.passwordConfirm, { path: ['passwordConfirm'], error: 'passwordMismatch' });
export type TCreateUser = z.infer<typeof ZCreateUser>;

export const ZUpdateUser = z.object(userFields);
export type TUpdateUser = z.infer<typeof ZUpdateUser>;

export const ZResetPassword = z
  .object({ password: password(), passwordConfirm: z.string().default('') })
  .refine((data) => data.password === data.passwordConfirm, { path: ['passwordConfirm'], error: 'passwordMismatch' });

export const ZUserFilters = z.object({
  q: searchText(),
  role: z.enum(roles).optional().catch(undefined),
  status: z.enum(['active', 'inactive', 'all']).default('active').catch('active'),
});
export type TUserFilters = z.infer<typeof ZUserFilters>;
