import type { Role } from '../generated/prisma/enums.js';

/** What every request knows about the signed-in user (loaded fresh on each request). */
export type SessionUser = {
  id: number;
  email: string;
  name: string;
  role: Role;
  locale: string | null;
  timeZone: string | null;
  organizationId: number | null;
  isOrgManager: boolean;
  isDemo: boolean;
  sessionEpoch: number;
  /** Unread notifications (capped), when read in the same statement as the session. */
  unreadCount?: number;
};

export const sessionUserSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  locale: true,
  timeZone: true,
  organizationId: true,
  isOrgManager: true,
  isDemo: true,
  sessionEpoch: true,
} as const;

export const homePathByRole: Record<Role, string> = {
  CLIENT: '/tickets',
  SUPPORT: '/queue',
  TECHNICIAN: '/work',
  // The admin lands on an overview of the desk; configuration is one menu away.
  ADMIN: '/admin',
};
