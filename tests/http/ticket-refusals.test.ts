// Every action the lifecycle does NOT allow, for every state and role, over HTTP: the answer is
// 403/409 (404 when the ticket is not visible to the actor), with a message, and nothing changes.
// The expectation is written by hand from LIFECYCLE.md, not read from the code's table.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createServices } from '../../src/services.js';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import { type Actor, allowedActions } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createOrganization, createUser } from '../helpers/factories.js';
import { ticketPath } from '../helpers/tickets.js';

// ── The expectation ─────────────────────────────────────────────────────────────────────────────

/** A ticket per status; CLOSED_LONG_AGO is CLOSED 30 days ago, outside the client's reopen window. */
const ticketKinds = [
  'NEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'ON_HOLD',
  'PENDING_VALIDATION',
  'RESOLVED',
  'CLOSED',
  'CLOSED_LONG_AGO',
  'REOPENED',
  'CANCELLED',
] as const;
type Kind = (typeof ticketKinds)[number];
const statusOfKind = (kind: Kind) => (kind === 'CLOSED_LONG_AGO' ? 'CLOSED' : kind);
const labelOfKind = (kind: Kind) => (kind === 'CLOSED_LONG_AGO' ? 'CLOSED (30 days ago)' : kind);
const withArticle = (kind: Kind) => `${/^[AEIOU]/.test(kind) ? 'an' : 'a'} ${labelOfKind(kind)}`;

type Capacity = 'owner' | 'support' | 'assignee';
/** From LIFECYCLE.md: who may take each action, from which states. */
const lifecycle: Record<TicketAction, Partial<Record<Capacity, string[]>>> = {
  assign: { support: ['NEW', 'REOPENED'] },
  resolve_direct: { support: ['NEW', 'REOPENED'] },
  start: { assignee: ['ASSIGNED'] },
  reassign: { support: ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD'], assignee: ['ASSIGNED', 'IN_PROGRESS', 'ON_HOLD'] },
  hold: { support: ['IN_PROGRESS'], assignee: ['IN_PROGRESS'] },
  resume: { support: ['ON_HOLD'], assignee: ['ON_HOLD'] },
  submit_solution: { assignee: ['IN_PROGRESS'] },
  reject_solution: { support: ['PENDING_VALIDATION'] },
  approve_solution: { support: ['PENDING_VALIDATION'] },
  confirm: { owner: ['RESOLVED'] },
  close: { support: ['RESOLVED'] },
  reopen: { owner: ['RESOLVED', 'CLOSED'], support: ['RESOLVED', 'CLOSED'] },
  cancel: {
    owner: ['NEW'],
    support: ['NEW', 'ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION', 'RESOLVED', 'REOPENED'],
  },
};
const actions = Object.keys(lifecycle) as TicketAction[];

const roles = [
  'client owner',
  'org manager',
  'a client of the same org',
  'a client of another org',
  'support',
  'the assigned technician',
  'a technician of the department',
  'a technician outside the department',
  'admin',
] as const;
type RoleName = (typeof roles)[number];

/** Every ticket here is filed by the client owner, in the department, and (but NEW) assigned to the technician. */
function standing(role: RoleName, kind: Kind): { visible: boolean; capacities: Capacity[] } {
  switch (role) {
    case 'client owner':
    case 'org manager':
      return { visible: true, capacities: ['owner'] };
    case 'a client of the same org':
    case 'a client of another org':
    case 'a technician outside the department':
      return { visible: false, capacities: [] };
    case 'support':
      return { visible: true, capacities: ['support'] };
    case 'the assigned technician':
      return { visible: true, capacities: kind === 'NEW' ? [] : ['assignee'] };
    case 'a technician of the department':
      return { visible: true, capacities: [] };
    case 'admin':
      return { visible: true, capacities: ['owner', 'support', 'assignee'] };
  }
}

type Outcome = {
  status: 403 | 404 | 409;
  message: 'notFound' | 'forbiddenAction' | 'notAllowedInState' | 'reopenWindow';
};

/** The refusal expected, or null when the lifecycle allows it. */
function refusal(role: RoleName, kind: Kind, action: TicketAction): Outcome | null {
  const { visible, capacities } = standing(role, kind);
  const status = statusOfKind(kind);
  const rows = lifecycle[action];
  const allowedBy = capacities.filter((capacity) => rows[capacity]?.includes(status));
  if (!visible) return { status: 404, message: 'notFound' };
  if (allowedBy.length > 0) {
    const clientReopenLate = action === 'reopen' && kind === 'CLOSED_LONG_AGO' && !allowedBy.includes('support');
    return clientReopenLate ? { status: 409, message: 'reopenWindow' } : null;
  }
  const hasRole = capacities.some((capacity) => rows[capacity] !== undefined);
  return hasRole ? { status: 409, message: 'notAllowedInState' } : { status: 403, message: 'forbiddenAction' };
}

type Case = { name: string; role: RoleName; kind: Kind; action: TicketAction; outcome: Outcome };
const casesByKind = new Map<Kind, Case[]>(
  ticketKinds.map((kind) => [
    kind,
    roles.flatMap((role) =>
      actions.flatMap((action): Case[] => {
        const outcome = refusal(role, kind, action);
        if (!outcome) return [];
        const name = `when ${role} tries '${action}' on ${withArticle(kind)} ticket, it answers ${outcome.status} and nothing changes`;
        return [{ name, role, kind, action, outcome }];
      }),
    ),
  ]),
);

// ── The world ───────────────────────────────────────────────────────────────────────────────────

const messages: Record<Outcome['message'], (days: number) => string> = {
  notFound: () => 'La página que busca no existe o no tiene acceso a ella.',
  forbiddenAction: () => 'Su rol no permite esa acción sobre este ticket.',
  notAllowedInState: () => 'No se puede hacer eso con el ticket en su estado actual.',
  reopenWindow: (days) => `Pasaron más de ${days} días desde el cierre`,
};

let t: TestApp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;
let otherTechnicianId: number;
let reopenWindowDays: number;
const agents = new Map<RoleName, { agent: Agent; csrf: string }>();
const actors = new Map<RoleName, Actor>();
const numbers = new Map<Kind, number>();
/** Each ticket as it stood before the first refusal: every case must leave it exactly so. */
const baselines = new Map<Kind, Awaited<ReturnType<typeof snapshot>>>();
const SUBJECT = 'Alarma del portón sin señal';

/** Valid-looking input for each action: what its form would send. */
const inputFor = (action: TicketAction): Record<string, string> =>
  ({
    assign: { categoryId: String(categoryId), priority: 'HIGH', technicianId: String(otherTechnicianId) },
    resolve_direct: { message: 'Reiniciamos el panel.' },
    start: {},
    reassign: { technicianId: String(otherTechnicianId), reason: 'Cambio de turno.' },
    hold: { reason: 'Esperando repuesto.' },
    resume: {},
    submit_solution: { solution: 'Cambié el sensor.' },
    reject_solution: { reason: 'Falta probar la sirena.' },
    approve_solution: { message: 'Cambiamos el sensor del portón.' },
    confirm: { rating: '4', comment: 'Gracias' },
    close: {},
    reopen: { reason: 'Sigue sin señal.' },
    cancel: { reason: 'Duplicado.' },
  })[action];

async function snapshot(number: number) {
  const { prisma } = t.db;
  const ticket = await prisma.ticket.findUniqueOrThrow({ where: { number } });
  const [events, outbox, comments, attachments, counts] = await Promise.all([
    prisma.ticketEvent.count({ where: { ticketId: ticket.id } }),
    prisma.outboxMessage.count({ where: { ticketId: ticket.id } }),
    prisma.comment.count({ where: { ticketId: ticket.id } }),
    prisma.attachment.count({ where: { ticketId: ticket.id } }),
    prisma.ticketStatusCount.findMany({ orderBy: { status: 'asc' } }),
  ]);
  return { ticket, events, outbox, comments, attachments, counts };
}

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-refusals-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir });
  const { prisma } = t.db;
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  reopenWindowDays = (await t.ctx.settings.get()).reopenWindowDays;

  const department = await createDepartment(prisma, 'Alarmas');
  categoryId = (await prisma.category.create({ data: { name: 'Alarma sin señal', departmentId: department.id } })).id;
  const org = await createOrganization(prisma, { name: 'Depósito Norte' });
  const users = {
    'client owner': await createUser(prisma, { role: 'CLIENT', organizationId: org.id }),
    'org manager': await createUser(prisma, { role: 'CLIENT', organizationId: org.id, isOrgManager: true }),
    'a client of the same org': await createUser(prisma, { role: 'CLIENT', organizationId: org.id }),
    'a client of another org': await createUser(prisma, { role: 'CLIENT', isOrgManager: true }),
    support: await createUser(prisma, { role: 'SUPPORT' }),
    'the assigned technician': await createUser(prisma, { role: 'TECHNICIAN' }),
    'a technician of the department': await createUser(prisma, { role: 'TECHNICIAN' }),
    'a technician outside the department': await createUser(prisma, { role: 'TECHNICIAN' }),
    admin: await createUser(prisma, { role: 'ADMIN' }),
  } satisfies Record<RoleName, unknown>;
  for (const member of [users['the assigned technician'], users['a technician of the department']]) {
    await prisma.userDepartment.create({ data: { userId: member.id, departmentId: department.id } });
  }
  otherTechnicianId = users['a technician of the department'].id;

  // Each ticket is driven to its state through the service, as the app would do it.
  const owner: Actor = users['client owner'];
  const supportActor: Actor = users.support;
  const tech: Actor = users['the assigned technician'];
  const versionOf = async (number: number) =>
    (await prisma.ticket.findUniqueOrThrow({ where: { number }, select: { version: true } })).version;
  const step = async (actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) =>
    service.transitionTicket(actor, number, action, { version: await versionOf(number), ...input } as never);
  const walk: Record<Kind, [Actor, TicketAction, Record<string, unknown>?][]> = {
    NEW: [],
    ASSIGNED: [[supportActor, 'assign', { categoryId, priority: 'MEDIUM', technicianId: tech.id, departmentId: null }]],
    IN_PROGRESS: [],
    ON_HOLD: [],
    PENDING_VALIDATION: [],
    RESOLVED: [],
    CLOSED: [],
    CLOSED_LONG_AGO: [],
    REOPENED: [],
    CANCELLED: [],
  };
  walk.IN_PROGRESS = [...walk.ASSIGNED, [tech, 'start']];
  walk.ON_HOLD = [...walk.IN_PROGRESS, [tech, 'hold', { reason: 'Esperando al cliente.' }]];
  walk.PENDING_VALIDATION = [...walk.IN_PROGRESS, [tech, 'submit_solution', { solution: 'Cambié el sensor.' }]];
  walk.RESOLVED = [...walk.PENDING_VALIDATION, [supportActor, 'approve_solution', { message: 'Listo.' }]];
  walk.CLOSED = [...walk.RESOLVED, [owner, 'confirm', { rating: 5, comment: null }]];
  walk.CLOSED_LONG_AGO = walk.CLOSED;
  walk.REOPENED = [...walk.CLOSED, [owner, 'reopen', { reason: 'Volvió a fallar.' }]];
  walk.CANCELLED = [...walk.ASSIGNED, [supportActor, 'cancel', { reason: 'Duplicado.', duplicateOf: null }]];

  for (const kind of ticketKinds) {
    const number = await service.create(
      owner,
      { subject: SUBJECT, description: 'No llega señal.', categoryId, priority: 'MEDIUM', requesterId: null },
      [],
    );
    for (const [actor, action, input] of walk[kind]) await step(actor, number, action, input);
    if (kind === 'CLOSED_LONG_AGO') {
      await prisma.ticket.update({ where: { number }, data: { closedAt: new Date(Date.now() - 30 * 86_400_000) } });
    }
    const row = await prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(row.status).toBe(statusOfKind(kind));
    expect(row.assigneeId).toBe(kind === 'NEW' ? null : tech.id);
    numbers.set(kind, number);
  }
  for (const [kind, number] of numbers) baselines.set(kind, await snapshot(number));

  for (const role of roles) {
    actors.set(role, users[role]);
    const agent = await loginAs(t.app, users[role].email);
    // The token lives in the session: one per agent serves every form.
    agents.set(role, { agent, csrf: await csrfFrom(agent, '/account/password') });
  }
});

afterAll(async () => {
  await t?.close();
  if (uploadDir) await rm(uploadDir, { recursive: true, force: true });
});

describe('the expectation', () => {
  it('allows exactly what the ticket page offers each role, on every ticket', async () => {
    for (const kind of ticketKinds) {
      const ticket = baselines.get(kind)?.ticket;
      if (!ticket) throw new Error(`no ${kind} ticket`);
      for (const role of roles) {
        const allowed = actions.filter((action) => refusal(role, kind, action) === null).sort();
        const offered = allowedActions(actors.get(role) as Actor, ticket, { reopenWindowDays }).sort();
        expect(offered, `${role} on ${labelOfKind(kind)}`).toEqual(allowed);
      }
    }
  });

  it('matches LIFECYCLE.md on cases checked by hand', () => {
    expect(refusal('support', 'RESOLVED', 'confirm')).toEqual({ status: 403, message: 'forbiddenAction' });
    expect(refusal('client owner', 'ASSIGNED', 'cancel')).toEqual({ status: 409, message: 'notAllowedInState' });
    expect(refusal('client owner', 'CLOSED_LONG_AGO', 'reopen')).toEqual({ status: 409, message: 'reopenWindow' });
    expect(refusal('admin', 'CLOSED_LONG_AGO', 'reopen')).toBeNull();
    expect(refusal('the assigned technician', 'NEW', 'start')).toEqual({ status: 403, message: 'forbiddenAction' });
    expect(refusal('a client of the same org', 'NEW', 'cancel')).toEqual({ status: 404, message: 'notFound' });
  });
});

describe.each(ticketKinds.map((kind) => [withArticle(kind), kind] as const))('on %s ticket', (_label, kind) => {
  const cases = casesByKind.get(kind) ?? [];
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, { role, action, outcome }) => {
    const number = numbers.get(kind) as number;
    const { agent, csrf } = agents.get(role) as { agent: Agent; csrf: string };
    const before = baselines.get(kind);
    const res = await agent
      .post(`${ticketPath(number)}/actions/${action}`)
      .type('form')
      .send({ ...inputFor(action), version: String(before?.ticket.version), _csrf: csrf });
    expect(res.status).toBe(outcome.status);
    expect(res.text).toContain(messages[outcome.message](reopenWindowDays));
    // A 409 re-renders the ticket's page with the reason; a 404 tells nothing about the ticket.
    if (outcome.status === 409) expect(res.text).toContain(`href="${ticketPath(number)}"`);
    if (outcome.status === 404) expect(res.text).not.toContain(SUBJECT);
    expect(await snapshot(number)).toEqual(before);
  });
});
