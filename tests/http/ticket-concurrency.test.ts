// Concurrent edits over HTTP: a stale version is refused with "changed while you were editing"
// and nothing is lost or written twice; parallel creations get distinct, consecutive numbers.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createServices } from '../../src/services.js';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import { workStatuses } from '../../src/tickets/ticket-statuses.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createOrganization, createUser } from '../helpers/factories.js';
import { numberFromLocation, ticketPath, versionOf } from '../helpers/tickets.js';

const STALE = 'Este ticket cambió mientras lo editaba';

let t: TestApp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;
let departmentId: number;
let otherCategoryId: number;
type Who = 'client' | 'support' | 'tech';
const actors = {} as Record<Who, Actor>;
const agents = {} as Record<Who, { agent: Agent; csrf: string }>;
let otherTechnicianId: number;
let clientIds: number[] = [];
const clientAgents: { agent: Agent; csrf: string }[] = [];

async function versionIn(number: number) {
  return (await t.db.prisma.ticket.findUniqueOrThrow({ where: { number }, select: { version: true } })).version;
}

/** Files a ticket as the client and drives it through `steps` with the service. */
async function ticketIn(steps: [Who, TicketAction, Record<string, unknown>?][]): Promise<number> {
  const number = await service.create(
    actors.client,
    {
      subject: 'Sensor de humo en falla',
      description: 'Suena sin humo.',
      categoryId,
      priority: 'MEDIUM',
      requesterId: null,
    },
    [],
  );
  for (const [who, action, input] of steps) {
    await service.transitionTicket(actors[who], number, action, {
      version: await versionIn(number),
      ...input,
    } as never);
  }
  return number;
}

const toInProgress = (): [Who, TicketAction, Record<string, unknown>?][] => [
  ['support', 'assign', { categoryId, priority: 'MEDIUM', technicianId: actors.tech.id, departmentId: null }],
  ['tech', 'start'],
];
const walks: Record<string, () => [Who, TicketAction, Record<string, unknown>?][]> = {
  NEW: () => [],
  ASSIGNED: () => toInProgress().slice(0, 1),
  IN_PROGRESS: toInProgress,
  ON_HOLD: () => [...toInProgress(), ['tech', 'hold', { reason: 'Esperando al cliente.' }]],
  PENDING_VALIDATION: () => [...toInProgress(), ['tech', 'submit_solution', { solution: 'Cambié el sensor.' }]],
  RESOLVED: () => [
    ...toInProgress(),
    ['tech', 'submit_solution', { solution: 'Cambié el sensor.' }],
    ['support', 'approve_solution', { message: 'Cambiamos el sensor.' }],
  ],
};

/** What a ticket holds: its row and how many events, outbox rows and comments it has. */
async function stateOf(number: number) {
  const { prisma } = t.db;
  const ticket = await prisma.ticket.findUniqueOrThrow({ where: { number } });
  const [events, outbox, comments] = await Promise.all([
    prisma.ticketEvent.findMany({ where: { ticketId: ticket.id }, orderBy: { id: 'asc' } }),
    prisma.outboxMessage.count({ where: { ticketId: ticket.id } }),
    prisma.comment.count({ where: { ticketId: ticket.id } }),
  ]);
  return { ticket, events, outbox, comments };
}

/** The counters must match the live tickets: status by status, and each technician's open load. */
async function expectCountersConsistent() {
  const { prisma } = t.db;
  const [counts, live, loads, work] = await Promise.all([
    prisma.ticketStatusCount.findMany(),
    prisma.ticket.groupBy({ by: ['status'], where: { deletedAt: null }, _count: { _all: true } }),
    prisma.technicianLoad.findMany(),
    prisma.ticket.groupBy({
      by: ['assigneeId'],
      where: { deletedAt: null, status: { in: [...workStatuses] }, assigneeId: { not: null } },
      _count: { _all: true },
    }),
  ]);
  for (const row of counts) {
    expect(row.count, row.status).toBe(live.find((l) => l.status === row.status)?._count._all ?? 0);
  }
  const kept = Object.fromEntries(loads.filter((row) => row.openCount !== 0).map((row) => [row.userId, row.openCount]));
  expect(kept).toEqual(Object.fromEntries(work.map((row) => [row.assigneeId, row._count._all])));
}

const post = (who: Who, number: number, action: string, fields: Record<string, string>) =>
  agents[who].agent
    .post(`${ticketPath(number)}/actions/${action}`)
    .type('form')
    .send({ ...fields, _csrf: agents[who].csrf });

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-concurrency-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir });
  const { prisma } = t.db;
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  const department = await createDepartment(prisma, 'Incendio');
  departmentId = department.id;
  categoryId = (await prisma.category.create({ data: { name: 'Sensor de humo', departmentId } })).id;
  otherCategoryId = (await prisma.category.create({ data: { name: 'Central de incendio', departmentId } })).id;
  const org = await createOrganization(prisma, { name: 'Planta Sur' });
  const users = {
    client: await createUser(prisma, { role: 'CLIENT', organizationId: org.id }),
    support: await createUser(prisma, { role: 'SUPPORT' }),
    tech: await createUser(prisma, { role: 'TECHNICIAN' }),
  };
  await prisma.userDepartment.create({ data: { userId: users.tech.id, departmentId } });
  otherTechnicianId = (await createUser(prisma, { role: 'TECHNICIAN' })).id;
  for (const who of ['client', 'support', 'tech'] as const) {
    actors[who] = users[who];
    const agent = await loginAs(t.app, users[who].email);
    agents[who] = { agent, csrf: await csrfFrom(agent, '/account/password') };
  }
  const moreClients = await Promise.all(
    [1, 2, 3, 4].map(() => createUser(prisma, { role: 'CLIENT', organizationId: org.id })),
  );
  clientIds = [users.client.id, ...moreClients.map((c) => c.id)];
  clientAgents.push(agents.client);
  for (const client of moreClients) {
    const agent = await loginAs(t.app, client.email);
    clientAgents.push({ agent, csrf: await csrfFrom(agent, '/tickets/new') });
  }
});

afterAll(async () => {
  await t?.close();
  if (uploadDir) await rm(uploadDir, { recursive: true, force: true });
});

describe('the same form submitted twice at once, with the same version', () => {
  const cases: { action: TicketAction; from: keyof typeof walks; who: Who; fields: () => Record<string, string> }[] = [
    { action: 'assign', from: 'NEW', who: 'support', fields: () => assignFields() },
    { action: 'start', from: 'ASSIGNED', who: 'tech', fields: () => ({}) },
    { action: 'hold', from: 'IN_PROGRESS', who: 'tech', fields: () => ({ reason: 'Esperando repuesto.' }) },
    { action: 'resume', from: 'ON_HOLD', who: 'tech', fields: () => ({}) },
    { action: 'submit_solution', from: 'IN_PROGRESS', who: 'tech', fields: () => ({ solution: 'Cambié el sensor.' }) },
    {
      action: 'reassign',
      from: 'IN_PROGRESS',
      who: 'support',
      fields: () => ({ technicianId: String(otherTechnicianId), reason: 'Cambio de turno.' }),
    },
    { action: 'approve_solution', from: 'PENDING_VALIDATION', who: 'support', fields: () => ({ message: 'Listo.' }) },
    { action: 'confirm', from: 'RESOLVED', who: 'client', fields: () => ({ rating: '5' }) },
    { action: 'reopen', from: 'RESOLVED', who: 'client', fields: () => ({ reason: 'Sigue sonando.' }) },
    { action: 'cancel', from: 'NEW', who: 'client', fields: () => ({ reason: 'Era un simulacro.' }) },
  ];
  const assignFields = () => ({
    categoryId: String(categoryId),
    priority: 'HIGH',
    technicianId: String(actors.tech.id),
  });

  it.each(cases.map((c) => [`${c.who} '${c.action}' on ${c.from}`, c] as const))(
    '%s: one 302, one 409 "changed while you were editing", one change',
    async (_name, { action, from, who, fields }) => {
      const number = await ticketIn(walks[from]?.() ?? []);
      const before = await stateOf(number);
      const version = String(await versionOf(agents[who].agent, number));
      const responses = await Promise.all([1, 2].map(() => post(who, number, action, { ...fields(), version })));
      expect(responses.map((r) => r.status).sort()).toEqual([302, 409]);
      const loser = responses.find((r) => r.status === 409);
      expect(loser?.text).toContain(STALE);
      const after = await stateOf(number);
      expect(after.ticket.version).toBe(before.ticket.version + 1);
      const newEvents = after.events.slice(before.events.length);
      expect(newEvents.filter((e) => e.type === 'status').map((e) => e.action)).toEqual([action]);
      expect(after.outbox).toBe(before.outbox + 1);
      expect(after.comments - before.comments).toBeLessThanOrEqual(1);
      await expectCountersConsistent();
    },
  );
});

describe('two different actions at once, with the same version', () => {
  const pairs: {
    from: keyof typeof walks;
    a: [Who, TicketAction, Record<string, string>];
    b: [Who, TicketAction, Record<string, string>];
  }[] = [
    {
      from: 'IN_PROGRESS',
      a: ['support', 'cancel', { reason: 'Duplicado.' }],
      b: ['tech', 'hold', { reason: 'Esperando repuesto.' }],
    },
    {
      from: 'IN_PROGRESS',
      a: ['tech', 'submit_solution', { solution: 'Cambié el sensor.' }],
      b: ['support', 'reassign', { technicianId: '0', reason: 'Cambio de turno.' }],
    },
    { from: 'RESOLVED', a: ['client', 'confirm', { rating: '4' }], b: ['support', 'reopen', { reason: 'Revisar.' }] },
    { from: 'ON_HOLD', a: ['tech', 'resume', {}], b: ['support', 'cancel', { reason: 'Ya no hace falta.' }] },
  ];

  it.each(pairs.map((p) => [`${p.a[0]} '${p.a[1]}' and ${p.b[0]} '${p.b[1]}' on ${p.from}`, p] as const))(
    '%s: exactly one wins, the other is told the ticket changed',
    async (_name, { from, a, b }) => {
      const number = await ticketIn(walks[from]?.() ?? []);
      const before = await stateOf(number);
      const version = String(before.ticket.version);
      const fix = (fields: Record<string, string>) =>
        fields.technicianId === '0' ? { ...fields, technicianId: String(otherTechnicianId) } : fields;
      const [resA, resB] = await Promise.all([
        post(a[0], number, a[1], { ...fix(a[2]), version }),
        post(b[0], number, b[1], { ...fix(b[2]), version }),
      ]);
      expect([resA.status, resB.status].sort()).toEqual([302, 409]);
      const [winner, loser] = resA.status === 302 ? [a, resB] : [b, resA];
      expect(loser.text).toContain(STALE);
      const after = await stateOf(number);
      expect(after.ticket.version).toBe(before.ticket.version + 1);
      const newEvents = after.events.slice(before.events.length);
      expect(newEvents.filter((e) => e.type === 'status').map((e) => e.action)).toEqual([winner[1]]);
      expect(after.outbox).toBe(before.outbox + 1);
      await expectCountersConsistent();
    },
  );
});

describe('a form sent from a page that is no longer current', () => {
  // Someone acted in between: the answer is "changed while you were editing", not a refusal of
  // an action that only the fresh page would have shown as unavailable.
  it.each([
    ['client', 'cancel', 'NEW', ['support', 'assign'], { reason: 'Ya no hace falta.' }],
    ['support', 'hold', 'IN_PROGRESS', ['tech', 'hold'], { reason: 'Esperando al cliente.' }],
    ['tech', 'start', 'ASSIGNED', ['support', 'reassign'], {}],
    ['client', 'confirm', 'RESOLVED', ['support', 'close'], { rating: '3' }],
  ] as const)(
    '%s %s on %s after someone else did it first',
    async (who, action, from, [other, otherAction], fields) => {
      const number = await ticketIn(walks[from]?.() ?? []);
      const oldVersion = await versionOf(agents[who].agent, number);
      const otherFields: Record<string, Record<string, string>> = {
        assign: {
          categoryId: String(categoryId),
          priority: 'HIGH',
          technicianId: String(actors.tech.id),
        },
        hold: { reason: 'Esperando repuesto.' },
        reassign: { technicianId: String(otherTechnicianId), reason: 'Cambio de turno.' },
        close: {},
      };
      const first = await post(other, number, otherAction, {
        ...otherFields[otherAction],
        version: String(oldVersion),
      });
      expect(first.status).toBe(302);
      const before = await stateOf(number);
      const res = await post(who, number, action, { ...fields, version: String(oldVersion) });
      expect(res.status).toBe(409);
      expect(res.text).toContain(STALE);
      expect(await stateOf(number)).toEqual(before);
    },
  );
});

describe('opposite transitions on different tickets at once', () => {
  it('never deadlock on the status counters', async () => {
    const holding = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ticketIn(walks.IN_PROGRESS?.() ?? [])));
    const resuming = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ticketIn(walks.ON_HOLD?.() ?? [])));
    const results = await Promise.allSettled([
      ...holding.map(async (number) =>
        service.transitionTicket(actors.tech, number, 'hold', { version: await versionIn(number), reason: 'Espera.' }),
      ),
      ...resuming.map(async (number) =>
        service.transitionTicket(actors.tech, number, 'resume', { version: await versionIn(number) }),
      ),
    ]);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    ).toEqual([]);
    await expectCountersConsistent();
  });
});

describe('opposite reassignments at once', () => {
  it("never deadlock on the technicians' loads", async () => {
    const assignTo = (technicianId: number): [Who, TicketAction, Record<string, unknown>][] => [
      ['support', 'assign', { categoryId, priority: 'MEDIUM', technicianId, departmentId: null }],
    ];
    const toOther = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ticketIn(assignTo(actors.tech.id))));
    const toTech = await Promise.all([1, 2, 3, 4, 5, 6].map(() => ticketIn(assignTo(otherTechnicianId))));
    const reassign = async (number: number, technicianId: number) =>
      service.transitionTicket(actors.support, number, 'reassign', {
        version: await versionIn(number),
        technicianId,
        reason: 'Cambio de turno.',
      });
    const results = await Promise.allSettled([
      ...toOther.map((number) => reassign(number, otherTechnicianId)),
      ...toTech.map((number) => reassign(number, actors.tech.id)),
    ]);
    expect(
      results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason)),
    ).toEqual([]);
    await expectCountersConsistent();
  });
});

describe('50 tickets filed at once', () => {
  it('get 50 distinct, consecutive numbers and the NEW counter matches', async () => {
    const { prisma } = t.db;
    const filed = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const client = clientAgents[i % clientAgents.length] as { agent: Agent; csrf: string };
        return client.agent
          .post('/tickets')
          .field('_csrf', client.csrf)
          .field('subject', `Pánico ${i + 1}`)
          .field('description', `Botón de pánico ${i + 1} activado sin motivo.`);
      }),
    );
    expect(filed.map((res) => res.status)).toEqual(Array(50).fill(302));
    const numbers = filed.map((res) => numberFromLocation(res.headers.location));
    expect(new Set(numbers).size).toBe(50);
    expect(Math.max(...numbers) - Math.min(...numbers)).toBe(49);
    const rows = await prisma.ticket.findMany({ where: { number: { in: numbers } } });
    expect(rows).toHaveLength(50);
    expect(rows.every((row) => row.status === 'NEW' && clientIds.includes(row.requesterId))).toBe(true);
    const newCount = await prisma.ticketStatusCount.findUniqueOrThrow({ where: { status: 'NEW' } });
    expect(newCount.count).toBe(await prisma.ticket.count({ where: { status: 'NEW', deletedAt: null } }));
    await expectCountersConsistent();
  });
});

describe('classification edited against an old version', () => {
  it('is refused with 409 and changes nothing', async () => {
    const number = await ticketIn(walks.ASSIGNED?.() ?? []);
    const staleVersion = await versionOf(agents.support.agent, number);
    // Meanwhile the technician starts it.
    expect((await post('tech', number, 'start', { version: String(staleVersion) })).status).toBe(302);
    const before = await stateOf(number);
    const res = await agents.support.agent
      .post(`${ticketPath(number)}/properties`)
      .type('form')
      .send({
        _csrf: agents.support.csrf,
        version: String(staleVersion),
        categoryId: String(otherCategoryId),
        priority: 'CRITICAL',
        departmentId: String(departmentId),
      });
    expect(res.status).toBe(409);
    expect(res.text).toContain(STALE);
    expect(await stateOf(number)).toEqual(before);
    // With the current version the same edit goes through, once.
    const fresh = await agents.support.agent
      .post(`${ticketPath(number)}/properties`)
      .type('form')
      .send({
        _csrf: agents.support.csrf,
        version: String(before.ticket.version),
        categoryId: String(otherCategoryId),
        priority: 'CRITICAL',
        departmentId: String(departmentId),
      });
    expect(fresh.status).toBe(302);
    const after = await stateOf(number);
    expect(after.ticket.priority).toBe('CRITICAL');
    expect(after.ticket.version).toBe(before.ticket.version + 1);
  });

  it('two edits at once with the same version: one is saved, the other is told it changed', async () => {
    const number = await ticketIn([]);
    const before = await stateOf(number);
    const edit = (priority: string) =>
      agents.support.agent
        .post(`${ticketPath(number)}/properties`)
        .type('form')
        .send({
          _csrf: agents.support.csrf,
          version: String(before.ticket.version),
          categoryId: String(categoryId),
          priority,
          departmentId: String(departmentId),
        });
    const responses = await Promise.all([edit('LOW'), edit('CRITICAL')]);
    expect(responses.map((r) => r.status).sort()).toEqual([302, 409]);
    expect(responses.find((r) => r.status === 409)?.text).toContain(STALE);
    const after = await stateOf(number);
    expect(after.ticket.version).toBe(before.ticket.version + 1);
    expect(after.outbox).toBe(before.outbox + 1);
  });
});
