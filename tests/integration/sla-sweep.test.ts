// The SLA sweep: each warning and breach written once to the SLA log and notified once through
// the outbox, even with two sweeps at the same moment (two processes), and nothing for a ticket
// whose target was met. Calendar minutes, and the sweep's clock passed in: no waiting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearReferenceCaches } from '../../src/reference/reference-data.js';
import { requestSlaRecompute } from '../../src/sla/sla-sweep.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

let t: TestApp;
let client: Actor;
let support: Actor;
let escalationId: number;
const MIN = 60_000;

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-sla-sweep-${process.pid}` });
  const { prisma } = t.db;
  client = await createUser(prisma, { role: 'CLIENT' });
  support = await createUser(prisma, { role: 'SUPPORT' });
  escalationId = (await createUser(prisma, { role: 'ADMIN', name: 'Gerente de guardia' })).id;
  await prisma.slaPolicy.create({
    data: {
      name: 'Monitoreo',
      position: 1,
      priorities: [],
      categoryIds: [],
      departmentIds: [],
      organizationIds: [],
      channels: [],
      businessHours: false,
      firstResponseMinutes: 10,
      escalationUserId: escalationId,
    },
  });
  clearReferenceCaches();
});
afterAll(async () => {
  await t.close();
});

const file = () =>
  t.services.tickets.create(
    client,
    {
      subject: 'Panel sin comunicación',
      description: 'No reporta.',
      priority: 'HIGH',
      categoryId: null,
      requesterId: null,
    },
    [],
  );

async function logOf(ticketId: number) {
  const events = await t.db.prisma.slaEvent.findMany({ where: { ticketId }, orderBy: { id: 'asc' } });
  const outbox = await t.db.prisma.outboxMessage.findMany({
    where: { ticketId, topic: { startsWith: 'sla.' } },
    orderBy: { id: 'asc' },
  });
  return {
    events: events.map((e) => `${e.target} ${e.kind}`),
    outbox: outbox.map((o) => o.topic),
    payloads: outbox.map((o) => o.payload as Record<string, unknown>),
  };
}

describe('SLA sweep', () => {
  it('warns at 80 %, breaches at 100 %, each once, and sends them through the outbox', async () => {
    const number = await file();
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    const created = ticket.createdAt.getTime();

    await t.services.slaSweep(new Date(created + 7 * MIN));
    expect((await logOf(ticket.id)).events).toEqual([]);

    await t.services.slaSweep(new Date(created + 9 * MIN));
    await t.services.slaSweep(new Date(created + 9 * MIN));
    expect(await logOf(ticket.id)).toMatchObject({
      events: ['FIRST_RESPONSE WARNING'],
      outbox: ['sla.warning'],
    });
    // Next look: the due instant itself.
    const afterWarning = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(afterWarning.slaCheckAt?.getTime()).toBe(created + 10 * MIN);

    // Two processes sweeping at the same moment: one breach, one notification.
    await Promise.all([
      t.services.slaSweep(new Date(created + 11 * MIN)),
      t.services.slaSweep(new Date(created + 11 * MIN)),
    ]);
    const log = await logOf(ticket.id);
    expect(log.events).toEqual(['FIRST_RESPONSE WARNING', 'FIRST_RESPONSE BREACH']);
    expect(log.outbox).toEqual(['sla.warning', 'sla.breach']);
    expect(log.payloads[1]).toMatchObject({ number, target: 'FIRST_RESPONSE', escalationUserId: escalationId });
    // Nothing left to look at for this ticket.
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } })).slaCheckAt).toBeNull();
    await t.services.slaSweep(new Date(created + 60 * MIN));
    expect((await logOf(ticket.id)).events).toHaveLength(2);
  });

  it('a warning found together with its breach is logged, and only the breach is notified', async () => {
    const number = await file();
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    await t.services.slaSweep(new Date(ticket.createdAt.getTime() + 12 * MIN));
    expect(await logOf(ticket.id)).toMatchObject({
      events: ['FIRST_RESPONSE WARNING', 'FIRST_RESPONSE BREACH'],
      outbox: ['sla.breach'],
    });
  });

  it('a crossing found more than an hour late (a policy over old tickets, a stopped app) is logged, not notified', async () => {
    const number = await file();
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    const result = await t.services.slaSweep(new Date(ticket.createdAt.getTime() + 75 * MIN));
    expect(await logOf(ticket.id)).toMatchObject({
      events: ['FIRST_RESPONSE WARNING', 'FIRST_RESPONSE BREACH'],
      outbox: [],
    });
    expect(result.unnotified).toBeGreaterThanOrEqual(2);
  });

  it('a target met in time is neither warned nor breached', async () => {
    const number = await file();
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    await t.services.tickets.addComment(support, number, { body: 'Lo revisamos ya.', internal: false }, []);
    await t.services.slaSweep(new Date(ticket.createdAt.getTime() + 30 * MIN));
    expect(await logOf(ticket.id)).toMatchObject({ events: [], outbox: [] });
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } })).slaCheckAt).toBeNull();
  });

  it('after a policy change, open tickets are queued and the sweep recomputes them with the new targets', async () => {
    const number = await file();
    const before = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(before.firstResponseDueAt?.getTime()).toBe(before.createdAt.getTime() + 10 * MIN);
    await t.db.prisma.$transaction(async (tx) => {
      await tx.slaPolicy.update({ where: { name: 'Monitoreo' }, data: { firstResponseMinutes: 30 } });
      await requestSlaRecompute(tx);
    });
    clearReferenceCaches();
    await t.services.slaSweep(new Date(before.createdAt.getTime() + MIN));
    const after = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(after.firstResponseDueAt?.getTime()).toBe(before.createdAt.getTime() + 30 * MIN);
    expect(after.slaCheckAt?.getTime()).toBe(before.createdAt.getTime() + 24 * MIN);
  });
});
