// The mail worker delivers in batches whose cost does not grow with their size: the statements a
// batch of 100 outbox rows sends are as many as for a batch of 10 (every statement counted at pg's
// Client#query). And batching keeps its promises: a backlog drains in one tick, and a row the
// database refuses fails alone while the rest of its batch is delivered.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { describeQuery, isCacheRefresh } from '../../bench/query-log.js';
import { installQueryLog, recordQueries } from '../../bench/query-recorder.js';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { INBOUND_REJECTED_TOPIC } from '../../src/inbound/inbound-emails.js';
import { createAppMailWorker } from '../../src/mail-worker.js';
import { enqueueNotification } from '../../src/notifications/outbox.js';
import { createServices } from '../../src/services.js';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';

let t: TestApp;
let smtp: TestSmtp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;
let clients: Actor[];
let support: Actor;
let tech: Actor & { email: string };
let otherTech: Actor & { email: string };

const actorOf = (u: { id: number; role: Actor['role']; organizationId: number | null; email: string }) => ({
  id: u.id,
  role: u.role,
  organizationId: u.organizationId,
  isOrgManager: false,
  email: u.email,
});

async function step(actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) {
  const { version } = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
  await service.transitionTicket(actor, number, action, { version, ...input } as never);
}

/**
 * Seven outbox rows per ticket, one of each way a message is worked out: the filing (requester and
 * support), an assignment, a start (no e-mail), a mention in an internal note (the scope check and the quoted note), a
 * staff reply and a client reply (quoted by id), and a hold (the actor's comment quoted).
 */
async function walkTickets(count: number, offset: number): Promise<void> {
  const local = tech.email.slice(0, tech.email.indexOf('@'));
  for (let i = 0; i < count; i++) {
    const client = clients[(offset + i) % clients.length] as Actor;
    const number = await service.create(
      client,
      {
        subject: `Cámara ${offset + i}`,
        description: 'Sin imagen.',
        categoryId,
        priority: 'MEDIUM',
        requesterId: client.id,
      },
      [],
    );
    await step(support, number, 'assign', { categoryId, priority: 'HIGH', technicianId: tech.id, departmentId: null });
    await service.addComment(support, number, { body: `@${local} revisar el NVR.`, internal: true }, []);
    await step(tech, number, 'start');
    await service.addComment(support, number, { body: 'Vamos en camino.', internal: false }, []);
    await service.addComment(client, number, { body: 'Gracias.', internal: false }, []);
    await step(tech, number, 'hold', { reason: 'Falta la clave.' });
  }
}

/** Drains what is waiting in one batch and returns the statements that batch sent. */
async function oneBatch(options: { smtp?: boolean; markEvery?: number; sendConcurrency?: number } = {}) {
  const waiting = await t.db.prisma.outboxMessage.count({ where: { sentAt: null } });
  const ctx = options.smtp ? { ...t.ctx, env: { ...t.ctx.env, SMTP_URL: smtp.url } } : t.ctx;
  const worker = createAppMailWorker(ctx, {
    batchSize: waiting,
    markEvery: options.markEvery,
    sendConcurrency: options.sendConcurrency,
  });
  let claimed = 0;
  try {
    const log = await recordQueries(async () => {
      claimed = (await worker.runOnce()).claimed;
    });
    expect(claimed).toBe(waiting);
    expect(await t.db.prisma.outboxMessage.count({ where: { sentAt: null } })).toBe(0);
    // The settings cache refreshes at most every 5 s whatever the batch: not a cost of its size.
    return log.filter((q) => !isCacheRefresh(q.text)).map((q) => describeQuery(q.text));
  } finally {
    worker.close();
  }
}

beforeAll(async () => {
  installQueryLog();
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-batch-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir, BASE_URL: 'https://help.example.test' });
  smtp = await startTestSmtp();
  const { prisma } = t.db;
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  const department = await createDepartment(prisma, 'CCTV');
  categoryId = (await prisma.category.create({ data: { name: 'Cámaras', departmentId: department.id } })).id;
  clients = [];
  for (let i = 0; i < 4; i++) clients.push(actorOf(await createUser(prisma, { role: 'CLIENT' })));
  support = actorOf(await createUser(prisma, { role: 'SUPPORT' }));
  await createUser(prisma, { role: 'SUPPORT' });
  tech = actorOf(await createUser(prisma, { role: 'TECHNICIAN', email: 'tito@taller.example' }));
  otherTech = actorOf(await createUser(prisma, { role: 'TECHNICIAN', email: 'otto@taller.example' }));
});
afterAll(async () => {
  await smtp.close();
  await t.close();
  await rm(uploadDir, { recursive: true, force: true });
});
beforeEach(async () => {
  smtp.received.length = 0;
  await t.db.prisma.outboxMessage.deleteMany({});
});

describe('a batch of outbox rows', () => {
  it('costs the same statements for 100 rows as for 10', async () => {
    await walkTickets(2, 0);
    const small = await oneBatch();
    await walkTickets(17, 2);
    const large = await oneBatch();
    expect(large).toEqual(small);
    expect(small.length).toBeLessThanOrEqual(16);
    // Every message of the large batch was recorded: 17 tickets × (requester + 2 support + tech
    // + mention + client reply + staff reply + hold).
    const messages = await t.db.prisma.emailMessage.count({ where: { status: 'KEPT' } });
    expect(messages).toBe(19 * 8);
  }, 120_000);

  it('sends over SMTP, marking what was accepted as soon as the previous mark is done', async () => {
    await walkTickets(1, 18);
    const statements = await oneBatch({ smtp: true });
    expect(smtp.received).toHaveLength(8);
    // One at a time the marks would be 8; those accepted during a mark share the next one.
    const marks = statements.filter((s) => s === 'UPDATE EmailMessage').length;
    expect(marks).toBeGreaterThanOrEqual(1);
    expect(marks).toBeLessThanOrEqual(8);
    expect(await t.db.prisma.emailMessage.count({ where: { status: 'SENT' } })).toBe(8);
  }, 60_000);

  it('can mark in bulk when asked: a few statements more per 25 messages, not per message', async () => {
    await walkTickets(3, 19);
    const statements = await oneBatch({ smtp: true, markEvery: 25, sendConcurrency: 3 });
    expect(smtp.received).toHaveLength(3 * 8);
    expect(new Set(smtp.received.map((mail) => mail.messageId)).size).toBe(3 * 8);
    // Marking 24 sent messages: one statement.
    expect(statements.filter((s) => s === 'UPDATE EmailMessage')).toHaveLength(1);
    expect(statements.length).toBeLessThanOrEqual(16);
  }, 60_000);

  it('drains a backlog of several batches in one tick', async () => {
    await walkTickets(4, 22);
    const worker = createAppMailWorker(t.ctx, { batchSize: 5 });
    try {
      await worker.tick();
    } finally {
      worker.close();
    }
    expect(await t.db.prisma.outboxMessage.count({ where: { sentAt: null } })).toBe(0);
  }, 60_000);
});

describe('when one row of a batch cannot be recorded', () => {
  it('retries that row alone and delivers the rest', async () => {
    await walkTickets(1, 26);
    // A reply to a stranger whose address no e-mail column can hold.
    await t.db.prisma.$transaction((tx) =>
      enqueueNotification(tx, INBOUND_REJECTED_TOPIC, {
        to: `${'x'.repeat(300)}@example.test`,
        reason: 'unknownSender',
      }),
    );
    const rows = await t.db.prisma.outboxMessage.count();
    const worker = createAppMailWorker(t.ctx);
    const result = await worker.runOnce();
    worker.close();
    expect(result.claimed).toBe(rows);
    expect(result.retrying).toBe(1);
    const waiting = await t.db.prisma.outboxMessage.findMany({ where: { sentAt: null } });
    expect(waiting.map((row) => row.topic)).toEqual([INBOUND_REJECTED_TOPIC]);
    expect(waiting[0]?.attempts).toBe(1);
    expect(waiting[0]?.lastError).toMatch(/too long|column/i);
  }, 60_000);
});

describe('when one batch mentions two technicians on two tickets, each assigned one of them', () => {
  it('quotes each note only to the technician who can open its ticket', async () => {
    const numbers: number[] = [];
    for (const assignee of [tech, otherTech]) {
      const client = clients[0] as Actor;
      const number = await service.create(
        client,
        {
          subject: `Sensor ${assignee.email}`,
          description: 'Falla.',
          categoryId,
          priority: 'LOW',
          requesterId: client.id,
        },
        [],
      );
      await step(support, number, 'assign', {
        categoryId,
        priority: 'LOW',
        technicianId: assignee.id,
        departmentId: null,
      });
      numbers.push(number);
    }
    for (const number of numbers) {
      await service.addComment(support, number, { body: `@tito @otto NOTA-${number}`, internal: true }, []);
    }
    const worker = createAppMailWorker(t.ctx);
    await worker.drain();
    worker.close();
    const mentions = await t.db.prisma.emailMessage.findMany({
      where: { topic: 'comment.internal' },
      orderBy: { id: 'desc' },
      take: 10,
    });
    const byTicket = async (number: number) => {
      const { id } = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
      return mentions.filter((m) => m.ticketId === id);
    };
    const [first, second] = [await byTicket(numbers[0] as number), await byTicket(numbers[1] as number)];
    expect(first.map((m) => m.toAddress)).toEqual([tech.email]);
    expect(first[0]?.text).toContain(`NOTA-${numbers[0]}`);
    expect(second.map((m) => m.toAddress)).toEqual([otherTech.email]);
    expect(second[0]?.text).toContain(`NOTA-${numbers[1]}`);
  }, 60_000);
});
