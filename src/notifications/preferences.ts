// Which e-mail kinds a user may turn off: the ones their role receives (see audiencesFor in
// recipients.ts). Account e-mails (password reset, verification) are not on the list: they
// always arrive.
import { z } from 'zod';
import type { Role } from '../generated/prisma/enums.js';
import type { EmailKind } from './recipients.js';

export type { EmailKind };

const supportKinds: readonly EmailKind[] = [
  'createdSupport',
  'solutionSubmitted',
  'reopened',
  'commentFromClient',
  'mentioned',
  'slaWarning',
  'slaBreach',
];

export const emailKindsByRole: Record<Role, readonly EmailKind[]> = {
  CLIENT: ['createdRequester', 'resolved', 'onHold', 'closed', 'cancelled', 'commentFromStaff'],
  TECHNICIAN: ['assigned', 'reopened', 'commentFromClient', 'mentioned', 'slaWarning'],
  SUPPORT: supportKinds,
  // Admins stand in for support on an install without support staff.
  ADMIN: supportKinds,
};

/** The ticked checkboxes (kinds to receive); any value that is not one of the role's kinds is refused. */
export function receivedKindsField(role: Role) {
  const allowed = new Set<string>(emailKindsByRole[role]);
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value, ctx) => {
      const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
      if (list.some((kind) => !allowed.has(kind))) {
        ctx.addIssue({ code: 'custom', message: 'invalidChoice' });
        return z.NEVER;
      }
      return list as EmailKind[];
    });
}

/** What the user turned off: the role's kinds they did not tick. */
export function optOutFrom(role: Role, received: readonly EmailKind[]): EmailKind[] {
  return emailKindsByRole[role].filter((kind) => !received.includes(kind));
}
