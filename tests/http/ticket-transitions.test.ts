// What some transitions write besides the status: the time a ticket waited ON_HOLD, whichever way
// it left that state, and the "duplicate of" link of a cancellation (only to a ticket one can see).
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createServices } from '../../src/services.js';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { type Agent, createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { act, ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;
let client: Actor;
let stranger: Actor;
let supportActor: Actor;
let tech: Actor;
let otherTechId: number;
let clientAgent: Agent;
let supportAgent: Agent;
let techAgent: Agent;

async function file(requester: Actor = client): Promise<number> {
  return service.create(
    requester,
    { subject: 'Portero eléctrico mudo', description: 'No se oye.', categoryId, priority: 'MEDIUM', requesterId: null },
    [],
  );
}
async function step(actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) {
  const { version } = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
  await service.transitionTicket(actor, number, action, { version, ...input } as never);
}
const row = (number: number) => t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });

/** A ticket ON_HOLD since an hour ago. */
async function heldForAnHour(): Promise<number> {
  const number = await file();
  await step(supportActor, number, 'assign', {
    categoryId,
    priority: 'LOW',
    technicianId: tech.id,
    departmentId: null,
  });
  await step(tech, number, 'start');
  await step(tech, number, 'hold', { reason: 'Esperando la llave del tablero.' });
  await t.db.prisma.ticket.update({ where: { number }, data: { onHoldSince: new Date(Date.now() - 3600_000) } });
  return number;
}

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-transitions-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir });
  const { prisma } = t.db;
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  const department = await createDepartment(prisma, 'Accesos');
  categoryId = (await prisma.category.create({ data: { name: 'Portero', departmentId: department.id } })).id;
  const clientUser = await createUser(prisma, { role: 'CLIENT' });
  const supportUser = await createUser(prisma, { role: 'SUPPORT' });
  const techUser = await createUser(prisma, { role: 'TECHNICIAN' });
  client = clientUser;
  stranger = await createUser(prisma, { role: 'CLIENT' });
  supportActor = supportUser;
  tech = techUser;
  otherTechId = (await createUser(prisma, { role: 'TECHNICIAN' })).id;
  clientAgent = await loginAs(t.app, clientUser.email);
  supportAgent = await loginAs(t.app, supportUser.email);
  techAgent = await loginAs(t.app, techUser.email);
});

afterAll(async () => {
  await t?.close();
  if (uploadDir) await rm(uploadDir, { recursive: true, force: true });
});

describe('leaving ON_HOLD counts the time held and clears the reason, whichever the way out', () => {
  it.each([
    ['resume by the technician', 'tech', 'resume', {}],
    ['reassign by support', 'support', 'reassign', { reason: 'Otro técnico tiene la llave.' }],
    ['reassign by the technician', 'tech', 'reassign', { reason: 'Me voy de vacaciones.' }],
    ['cancel by support', 'support', 'cancel', { reason: 'El cliente cambió el equipo.' }],
  ] as const)('%s', async (_name, who, action, fields) => {
    const number = await heldForAnHour();
    const agent = who === 'tech' ? techAgent : supportAgent;
    const extra: Record<string, string> = action === 'reassign' ? { technicianId: String(otherTechId) } : {};
    const res = await act(agent, number, action, { ...fields, ...extra });
    expect(res.status).toBe(302);
    const ticket = await row(number);
    expect(ticket.status).not.toBe('ON_HOLD');
    expect(ticket.onHoldSince).toBeNull();
    expect(ticket.holdReason).toBeNull();
    expect(ticket.onHoldSeconds).toBeGreaterThanOrEqual(3600);
    expect(ticket.onHoldSeconds).toBeLessThan(3600 + 120);
    const page = await supportAgent.get(ticketPath(number));
    expect(page.text).not.toContain('En espera por');
  });

  it('a second hold adds to the first', async () => {
    const number = await heldForAnHour();
    expect(
      (await act(supportAgent, number, 'reassign', { technicianId: String(otherTechId), reason: 'x' })).status,
    ).toBe(302);
    const other: Actor = { id: otherTechId, role: 'TECHNICIAN', organizationId: null, isOrgManager: false };
    await step(other, number, 'start');
    await step(other, number, 'hold', { reason: 'Otra vez la llave.' });
    await t.db.prisma.ticket.update({ where: { number }, data: { onHoldSince: new Date(Date.now() - 1800_000) } });
    await step(other, number, 'resume');
    const ticket = await row(number);
    expect(ticket.onHoldSeconds).toBeGreaterThanOrEqual(5400);
    expect(ticket.onHoldSeconds).toBeLessThan(5400 + 120);
  });
});

describe('cancel as a duplicate names a ticket the actor can see', () => {
  it("a client cannot name another organization's ticket (nor learn that it exists)", async () => {
    const mine = await file();
    const theirs = await file(stranger);
    const before = await row(mine);
    const res = await act(clientAgent, mine, 'cancel', { reason: 'Duplicado.', duplicateOf: `TKT-${theirs}` });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Escriba el número de otro ticket existente');
    expect(await row(mine)).toEqual(before);
    // The same answer as for a number that does not exist at all.
    const missing = await act(clientAgent, mine, 'cancel', { reason: 'Duplicado.', duplicateOf: 'TKT-999999' });
    expect(missing.status).toBe(422);
    expect(missing.text).toContain('Escriba el número de otro ticket existente');
  });

  it('a client may name one of their own tickets', async () => {
    const first = await file();
    const second = await file();
    const res = await act(clientAgent, second, 'cancel', {
      reason: 'Lo cargué dos veces.',
      duplicateOf: `TKT-${first}`,
    });
    expect(res.status).toBe(302);
    const ticket = await row(second);
    expect(ticket.status).toBe('CANCELLED');
    expect(ticket.duplicateOfId).toBe((await row(first)).id);
  });

  it('support may name any ticket', async () => {
    const theirs = await file(stranger);
    const mine = await file();
    const res = await act(supportAgent, mine, 'cancel', { reason: 'Mismo edificio.', duplicateOf: `TKT-${theirs}` });
    expect(res.status).toBe(302);
    expect((await row(mine)).duplicateOfId).toBe((await row(theirs)).id);
  });
});
