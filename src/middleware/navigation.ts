import type { Role } from '../generated/prisma/enums.js';

export type NavLink = { href: string; key: string; comingSoon?: boolean };
/** A top-level entry: a link, or a group shown as one dropdown (the admin's configuration). */
export type NavItem = NavLink & { children?: NavLink[] };

/** Everything an admin configures, under one «Configuración» entry. */
const configuration: NavLink[] = [
  { href: '/admin/users', key: 'nav.users' },
  { href: '/admin/organizations', key: 'nav.organizations' },
  { href: '/admin/departments', key: 'nav.departments' },
  { href: '/absences', key: 'nav.absences' },
  { href: '/admin/categories', key: 'nav.categories' },
  { href: '/admin/calendars', key: 'nav.calendars' },
  { href: '/admin/sla', key: 'nav.slaPolicies' },
  { href: '/admin/rules', key: 'nav.rules' },
  { href: '/admin/replies', key: 'nav.sharedReplies' },
  { href: '/admin/settings', key: 'nav.general' },
  { href: '/admin/mail', key: 'nav.mail' },
  { href: '/admin/inbound', key: 'nav.inbound' },
  { href: '/admin/bin', key: 'nav.bin' },
];

// Each role's own menu. Items for features not built yet are marked, never faked.
const menus: Record<Role, NavItem[]> = {
  CLIENT: [
    { href: '/tickets', key: 'nav.myTickets' },
    { href: '/tickets/new', key: 'nav.newTicket' },
  ],
  SUPPORT: [
    { href: '/queue', key: 'nav.queue' },
    { href: '/tickets/new', key: 'nav.newTicketForClient' },
    { href: '/replies', key: 'nav.replies' },
  ],
  TECHNICIAN: [
    { href: '/work', key: 'nav.myWork' },
    { href: '/replies', key: 'nav.replies' },
    { href: '/absences', key: 'nav.absences' },
  ],
  ADMIN: [
    { href: '/admin', key: 'nav.overview' },
    { href: '/queue', key: 'nav.queue' },
    { href: '/admin/settings', key: 'nav.settings', children: configuration },
    { href: '/reports', key: 'nav.reports', comingSoon: true },
  ],
};

export function navigationFor(role: Role): NavItem[] {
  return menus[role];
}

/** The entry to highlight: the most specific match (/tickets/new is «Nuevo ticket», not «Mis tickets»). */
export function activeNavHref(items: NavItem[], path: string): string {
  let best = '';
  const consider = (item: NavLink) => {
    const matches = path === item.href || path.startsWith(`${item.href}/`);
    if (!item.comingSoon && matches && item.href.length > best.length) best = item.href;
  };
  for (const item of items) {
    consider(item);
    for (const child of item.children ?? []) consider(child);
  }
  return best;
}
