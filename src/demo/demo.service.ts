// Demo data: realistic accounts and reference data so a new user can try every role at once.
// Created only on an empty embedded database, or when asked (`npm run db:seed -- --demo`).
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.js';
import { AppError } from '../lib/errors.js';
import { hashPassword } from '../lib/password.js';
import { referenceChanged, registerCache } from '../reference/reference-data.js';
import { deleteTicketsInTx } from '../tickets/ticket-bin.js';
import { demoReplyRows } from './demo-replies.js';
import { removeDemoRules, seedDemoRules } from './demo-rules.js';
import { removeDemoSlaPolicies, seedDemoSlaPolicies } from './demo-sla.js';

export const demoAccounts = [
  { email: 'admin@demo.local', name: 'Ana Administradora', role: 'ADMIN' },
  { email: 'soporte@demo.local', name: 'Sofía Soporte', role: 'SUPPORT' },
  { email: 'tecnico@demo.local', name: 'Tomás Técnico', role: 'TECHNICIAN' },
  { email: 'cliente@demo.local', name: 'Carlos Cliente', role: 'CLIENT' },
  { email: 'cliente2@demo.local', name: 'Clara Cliente', role: 'CLIENT' },
] as const;

export const referenceDepartments = ['CCTV', 'Alarmas', 'Monitoreo', 'Control de acceso', 'Redes'];
const referenceCategories: [string, string | null][] = [
  ['Cámara fuera de servicio', 'CCTV'],
  ['Grabación / NVR', 'CCTV'],
  ['Alarma: falsa alarma o falla de panel', 'Alarmas'],
  ['Monitoreo: señal perdida', 'Monitoreo'],
  ['Control de acceso', 'Control de acceso'],
  ['Red y conectividad', 'Redes'],
  ['Consulta general', null],
];

let cache: { value: boolean; at: number } | undefined;
registerCache(() => {
  cache = undefined;
});

/** Whether demo accounts exist (drives the "demo data" banner); kept per process until users change. */
export async function demoDataExists(prisma: PrismaClient): Promise<boolean> {
  if (cache && Date.now() - cache.at < 60_000) return cache.value;
  const row = await prisma.user.findFirst({ where: { isDemo: true }, select: { id: true } });
  cache = { value: row !== null, at: Date.now() };
  return cache.value;
}

export async function isDatabaseEmpty(prisma: PrismaClient): Promise<boolean> {
  return (await prisma.user.findFirst({ select: { id: true } })) === null;
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

async function upsertReferenceData(tx: Tx): Promise<Map<string, number>> {
  const departments = new Map<string, number>();
  for (const name of referenceDepartments) {
    const row = await tx.department.upsert({ where: { name }, create: { name }, update: {}, select: { id: true } });
    departments.set(name, row.id);
  }
  for (const [name, department] of referenceCategories) {
    await tx.category.upsert({
      where: { name },
      create: { name, departmentId: department ? (departments.get(department) ?? null) : null },
      update: {},
    });
  }
  return departments;
}

/** The departments and categories of a security company; safe to run again. */
export async function seedReferenceData(prisma: PrismaClient): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await upsertReferenceData(tx);
  });
}

/** Creates the demo data; returns the password of the demo accounts. */
export async function seedDemoData(prisma: PrismaClient, options: { password?: string }): Promise<string> {
  const password = options.password ?? randomBytes(9).toString('base64url');
  const passwordHash = await hashPassword(password);
  await prisma.$transaction(async (tx) => {
    const departments = await upsertReferenceData(tx);
    const orgA = await tx.organization.create({
      data: {
        name: 'Comercial Los Andes S.A. (demo)',
        taxId: '30-71234567-8',
        phone: '+54 11 4321-0000',
        address: 'Av. Corrientes 1234, CABA',
        isDemo: true,
      },
    });
    const orgB = await tx.organization.create({
      data: {
        name: 'Clínica San Martín (demo)',
        phone: '+54 341 555-0101',
        address: 'Bv. Oroño 900, Rosario',
        isDemo: true,
      },
    });
    for (const account of demoAccounts) {
      const organizationId =
        account.email === 'cliente@demo.local' ? orgA.id : account.email === 'cliente2@demo.local' ? orgB.id : null;
      await tx.user.create({
        data: {
          ...account,
          passwordHash,
          isDemo: true,
          emailVerifiedAt: new Date(),
          organizationId,
          phone: account.role === 'CLIENT' ? '+54 9 11 5555-0000' : null,
          departments:
            account.role === 'TECHNICIAN'
              ? { create: ['CCTV', 'Alarmas'].map((name) => ({ departmentId: departments.get(name) as number })) }
              : undefined,
        },
      });
    }
    await tx.cannedReply.createMany({ data: demoReplyRows(departments) });
    await seedDemoSlaPolicies(tx);
    await seedDemoRules(tx);
    // Monitoring answers around the clock: its department runs on the "24×7" calendar.
    const allDay = await tx.businessCalendar.findUnique({ where: { name: '24×7' }, select: { id: true } });
    if (allDay)
      await tx.department.updateMany({
        where: { name: 'Monitoreo', calendarId: null },
        data: { calendarId: allDay.id },
      });
    await tx.setting.upsert({
      where: { key: 'registrationEnabled' },
      create: { key: 'registrationEnabled', value: true },
      update: {},
    });
  });
  await referenceChanged(prisma);
  return password;
}

/**
 * Removes the demo data: tickets filed by demo accounts, the demo accounts and organizations,
 * the demo canned replies and SLA policies.
 * A demo account that also touched real tickets is deactivated instead of deleted (history is kept).
 * The admin must have an account of their own first. Returns the files to remove afterwards.
 */
export async function removeDemoData(
  prisma: PrismaClient,
  actorId: number,
  removeFile: (key: string) => Promise<void>,
): Promise<void> {
  const realAdmin = await prisma.user.findFirst({
    where: { role: 'ADMIN', isActive: true, isDemo: false },
    select: { id: true },
  });
  if (!realAdmin) throw new AppError('CONFLICT', 'admin.demo.needRealAdmin');
  const files = await prisma.$transaction(async (tx) => {
    const demoUsers = await tx.user.findMany({ where: { isDemo: true }, select: { id: true } });
    const ids = demoUsers.map((user) => user.id);
    const files = await deleteTicketsInTx(tx, {
      OR: [{ requesterId: { in: ids } }, { organization: { isDemo: true } }],
    });
    if (ids.length > 0) {
      await tx.$executeRaw`DELETE FROM "session" WHERE sess->'passport'->'user'->>'id' = ANY(${ids.map(String)})`;
    }
    // Demo staff who worked on real tickets stay, deactivated, so that history keeps its authors.
    const touched = new Set<number>();
    const refs = await Promise.all([
      tx.ticket.findMany({
        where: { OR: [{ assigneeId: { in: ids } }, { createdById: { in: ids } }] },
        select: { assigneeId: true, createdById: true },
      }),
      tx.comment.findMany({ where: { authorId: { in: ids } }, select: { authorId: true }, distinct: ['authorId'] }),
      tx.attachment.findMany({
        where: { uploaderId: { in: ids } },
        select: { uploaderId: true },
        distinct: ['uploaderId'],
      }),
      tx.ticketEvent.findMany({ where: { actorId: { in: ids } }, select: { actorId: true }, distinct: ['actorId'] }),
    ]);
    for (const row of refs[0])
      for (const id of [row.assigneeId, row.createdById]) if (id !== null && ids.includes(id)) touched.add(id);
    for (const row of refs[1]) if (row.authorId !== null) touched.add(row.authorId);
    for (const row of refs[2]) touched.add(row.uploaderId);
    for (const row of refs[3]) if (row.actorId !== null) touched.add(row.actorId);
    await tx.user.updateMany({
      where: { id: { in: [...touched] } },
      data: { isDemo: false, isActive: false, sessionEpoch: { increment: 1 } },
    });
    await tx.user.deleteMany({ where: { isDemo: true } });
    await tx.cannedReply.deleteMany({ where: { isDemo: true } });
    await removeDemoSlaPolicies(tx);
    await removeDemoRules(tx);
    // Demo organizations go unless a real user or ticket has since been added to one.
    await tx.organization.deleteMany({
      where: { isDemo: true, users: { none: {} }, children: { none: {} }, tickets: { none: {} } },
    });
    await tx.auditLog.create({
      data: { actorId, action: 'demo.remove', entityType: 'demo', entityId: '*', data: { kept: [...touched] } },
    });
    return files;
  });
  await referenceChanged(prisma);
  await Promise.all(files.map((key) => removeFile(key).catch(() => {})));
}
