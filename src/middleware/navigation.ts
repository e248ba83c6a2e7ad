import type { Role } from '../generated/prisma/enums.js';

export type NavItem = { href: string; key: string; comingSoon?: boolean };

// Each role's own menu. Items for features not built yet are marked, never faked.
const menus: Record<Role, NavItem[]> = {
  CLIENT: [
    { href: '/tickets', key: 'nav.myTickets' },
    { href: '/tickets/new', key: 'nav.newTicket' },
  ],
  SUPPORT: [
    { href: '/queue', key: 'nav.queue' },
    { href: '/tickets/new', key: 'nav.newTicketForClient' },
  ],
  TECHNICIAN: [{ href: '/work', key: 'nav.myWork' }],
  ADMIN: [
    { href: '/queue', key: 'nav.queue' },
    { href: '/admin/users', key: 'nav.users' },
    { href: '/admin/organizations', key: 'nav.organizations' },
    { href: '/admin/departments', key: 'nav.departments' },
    { href: '/admin/categories', key: 'nav.categories' },
    { href: '/admin/settings', key: 'nav.settings' },
    { href: '/admin/bin', key: 'nav.bin' },
    { href: '/admin/mail', key: 'nav.mail' },
    { href: '/admin/inbound', key: 'nav.inbound' },
    { href: '/reports', key: 'nav.reports', comingSoon: true },
  ],
};

export function navigationFor(role: Role): NavItem[] {
  return menus[role];
}
