// The ticket page's markup over HTTP: each action's own page (what a button is without JavaScript)
// answers like the action's POST would, the technician's proposal is shown as such to staff only,
// and the properties form assigns or, with a reason, reassigns.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalStorage } from '../../src/attachments/storage.js';
import { createServices } from '../../src/services.js';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import type { TicketsService } from '../../src/tickets/tickets.service.js';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { ticketPath, versionOf } from '../helpers/tickets.js';

const PROPOSAL = 'Cambié el módulo de audio del portero; se oye bien.';

let t: TestApp;
let uploadDir: string;
let service: TicketsService;
let categoryId: number;
type Person = Actor & { email: string; name: string };
let client: Person;
let supportActor: Person;
let tech: Person;
let otherTech: { id: number; name: string };
let clientAgent: Agent;
let strangerAgent: Agent;
let supportAgent: Agent;
let techAgent: Agent;

async function file(): Promise<number> {
  return service.create(
    client,
    { subject: 'Portero eléctrico mudo', description: 'No se oye.', categoryId, priority: 'MEDIUM', requesterId: null },
    [],
  );
}
async function step(actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) {
  const { version } = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
  await service.transitionTicket(actor, number, action, { version, ...input } as never, []);
}
async function inProgress(): Promise<number> {
  const number = await file();
  await step(supportActor, number, 'assign', {
    categoryId,
    priority: 'LOW',
    technicianId: tech.id,
    departmentId: null,
  });
  await step(tech, number, 'start');
  return number;
}
const formsIn = (html: string) => [...html.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => m[1]);

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-page-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir });
  const { prisma } = t.db;
  service = createServices(t.ctx, { storage: createLocalStorage(uploadDir) }).tickets;
  const department = await createDepartment(prisma, 'Accesos');
  categoryId = (await prisma.category.create({ data: { name: 'Portero', departmentId: department.id } })).id;
  client = await createUser(prisma, { role: 'CLIENT' });
  const stranger = await createUser(prisma, { role: 'CLIENT' });
  supportActor = await createUser(prisma, { role: 'SUPPORT' });
  tech = await createUser(prisma, { role: 'TECHNICIAN', name: 'Tito Técnico' });
  otherTech = await createUser(prisma, { role: 'TECHNICIAN', name: 'Otra Técnica' });
  clientAgent = await loginAs(t.app, client.email);
  strangerAgent = await loginAs(t.app, stranger.email);
  supportAgent = await loginAs(t.app, supportActor.email);
  techAgent = await loginAs(t.app, tech.email);
});
afterAll(async () => {
  await t.close();
  await rm(uploadDir, { recursive: true, force: true });
});

describe("an action's own page (the button without JavaScript)", () => {
  it('holds only that action’s form, posting to the same URL as the dialog', async () => {
    const number = await inProgress();
    const res = await techAgent.get(`${ticketPath(number)}/actions/hold`);
    expect(res.status).toBe(200);
    expect(formsIn(res.text).filter((action) => action?.includes('/actions/'))).toEqual([
      `${ticketPath(number)}/actions/hold`,
    ]);
    expect(res.text).toContain('name="reason"');
    expect(res.text).toContain(`name="version" value="${await versionOf(techAgent, number)}"`);
  });

  it('answers 409 for an action not allowed in this state, 403 for another role’s, 404 unseen or unknown', async () => {
    const number = await inProgress();
    expect((await techAgent.get(`${ticketPath(number)}/actions/resume`)).status).toBe(409);
    expect((await techAgent.get(`${ticketPath(number)}/actions/assign`)).status).toBe(403);
    expect((await clientAgent.get(`${ticketPath(number)}/actions/hold`)).status).toBe(403);
    expect((await strangerAgent.get(`${ticketPath(number)}/actions/hold`)).status).toBe(404);
    expect((await techAgent.get(`${ticketPath(number)}/actions/fly`)).status).toBe(404);
  });

  it('posting from it takes the action like the dialog does', async () => {
    const number = await inProgress();
    const token = await csrfFrom(techAgent, `${ticketPath(number)}/actions/hold`);
    const res = await techAgent
      .post(`${ticketPath(number)}/actions/hold`)
      .type('form')
      .send({ _csrf: token, version: String(await versionOf(techAgent, number)), reason: 'Esperando la llave.' });
    expect(res.status).toBe(302);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } })).status).toBe('ON_HOLD');
  });
});

describe("the technician's proposal", () => {
  it('is shown to support as a «Propuesta de solución», never to the client', async () => {
    const number = await inProgress();
    await step(tech, number, 'submit_solution', { solution: PROPOSAL });
    const staffPage = await supportAgent.get(ticketPath(number));
    const card =
      /<article class="msg-body card comment comment-internal comment-proposal[^"]*">([\s\S]*?)<\/article>/.exec(
        staffPage.text,
      );
    expect(card, 'a proposal card').not.toBeNull();
    expect(card?.[1]).toContain('Propuesta de solución');
    expect(card?.[1]).toContain(PROPOSAL);
    const clientPage = await clientAgent.get(ticketPath(number));
    expect(clientPage.text).not.toContain(PROPOSAL);
    expect(clientPage.text).not.toContain('Propuesta de solución');
  });
});

describe('the properties form', () => {
  const post = async (agent: Agent, number: number, fields: Record<string, string>) => {
    const token = await csrfFrom(agent, ticketPath(number));
    return agent
      .post(`${ticketPath(number)}/properties`)
      .type('form')
      .send({
        _csrf: token,
        version: String(await versionOf(agent, number)),
        categoryId: String(categoryId),
        priority: 'HIGH',
        departmentId: '',
        ...fields,
      });
  };

  it('on a new ticket, choosing a technician assigns it', async () => {
    const number = await file();
    const page = await supportAgent.get(ticketPath(number));
    expect(page.text).toContain('id="p-technicianId"');
    expect(page.text).not.toContain('id="p-reason"');
    const res = await post(supportAgent, number, { technicianId: String(tech.id) });
    expect(res.status).toBe(302);
    const row = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(row.status).toBe('ASSIGNED');
    expect(row.assigneeId).toBe(tech.id);
    expect(row.priority).toBe('HIGH');
  });

  it('changing the technician asks «Motivo del cambio de técnico», and without one changes nothing', async () => {
    const number = await inProgress();
    const page = await supportAgent.get(ticketPath(number));
    expect(page.text).toContain('Motivo del cambio de técnico');
    const refused = await post(supportAgent, number, { technicianId: String(otherTech.id), reason: '' });
    expect(refused.status).toBe(422);
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } })).assigneeId).toBe(tech.id);
    const res = await post(supportAgent, number, {
      technicianId: String(otherTech.id),
      reason: 'Tito está de licencia.',
    });
    expect(res.status).toBe(302);
    const row = await t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
    expect(row.assigneeId).toBe(otherTech.id);
    expect(row.status).toBe('ASSIGNED');
  });

  it('is not offered to the technician or the client', async () => {
    const number = await inProgress();
    for (const agent of [techAgent, clientAgent]) {
      const page = await agent.get(ticketPath(number));
      expect(page.text).not.toContain('/properties"');
    }
  });
});
