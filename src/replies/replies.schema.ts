import { z } from 'zod';
import { checkbox, optionalId, optionalText, text } from '../lib/validate.js';
import { type CannedAction, cannedActions } from './reply-text.js';

const body = () => optionalText({ max: 10_000, multiline: true });

/** A canned reply's form. `departmentId` is read only on the admin's shared replies. */
export const ZCannedReply = z
  .object({
    title: text({ max: 120 }),
    bodyEs: body(),
    bodyEn: body(),
    bodyPtBr: body(),
    departmentId: optionalId(),
    setStatusAction: z
      .union([z.enum(cannedActions), z.literal('')])
      .optional()
      .transform((value): CannedAction | null => (value ? value : null)),
    isActive: checkbox(),
  })
  .superRefine((value, ctx) => {
    if (value.bodyEs === null && value.bodyEn === null && value.bodyPtBr === null) {
      ctx.addIssue({ code: 'custom', message: 'replyNeedsBody', path: ['bodyEs'] });
    }
  });
export type TCannedReply = z.infer<typeof ZCannedReply>;
