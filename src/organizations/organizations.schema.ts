import { z } from 'zod';
import { optionalId, optionalText, text } from '../lib/validate.js';

export const ZOrganization = z.object({
  name: text({ max: 160 }),
  taxId: optionalText({ max: 40 }),
  phone: optionalText({ max: 40 }),
  address: optionalText({ max: 300 }),
  parentId: optionalId(),
});
export type TOrganization = z.infer<typeof ZOrganization>;
