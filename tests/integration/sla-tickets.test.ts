// SLA clocks kept on every ticket change, in the change's own transaction (src/sla/sla.service.ts):
// the policy that applies, each target's due instant, pauses, the next-response clock, and the
// history entry when the policy changes. Calendar minutes here, so the figures do not depend on
// the hour the test runs (business hours are covered by the clock's unit tests).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearReferenceCaches } from '../../src/reference/reference-data.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import { createTestApp, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let client: Actor & { email: string };
let support: Actor & { email: string };
let technician: Actor & { email: string };
let categoryId: number;
const MIN = 60_000;

const ticketOf = (number: number) => t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-sla-${process.pid}` });
  const { prisma } = t.db;
  client = await createUser(prisma, { role: 'CLIENT' });
  support = await createUser(prisma, { role: 'SUPPORT' });
  technician = await createUser(prisma, { role: 'TECHNICIAN' });
  categoryId = (await prisma.category.create({ data: { name: 'Cámaras' } })).id;
  const base = { categoryIds: [], departmentIds: [], organizationIds: [], channels: [], businessHours: false };
  await prisma.slaPolicy.createMany({
    data: [
      {
        ...base,
        name: 'Crítico',
        position: 1,
        priorities: ['CRITICAL'],
        firstResponseMinutes: 60,
        resolutionMinutes: 240,
      },
      {
        ...base,
        name: 'Normal',
        position: 2,
        priorities: [],
        firstResponseMinutes: 480,
        nextResponseMinutes: 120,
        resolutionMinutes: 2400,
      },
    ],
  });
  clearReferenceCaches();
});
afterAll(async () => {
  await t.close();
});

async function file(priority: 'CRITICAL' | 'MEDIUM') {
  return t.services.tickets.create(
    client,
    { subject: 'Cámara 3 sin imagen', description: 'Desde ayer.', priority, categoryId: null, requesterId: null },
    [],
  );
}

describe('SLA on ticket changes', () => {
  it('a new ticket gets the first matching policy and its due instants, and the history says which', async () => {
    const number = await file('CRITICAL');
    const ticket = await ticketOf(number);
    const policy = await t.db.prisma.slaPolicy.findUniqueOrThrow({ where: { name: 'Crítico' } });
    expect(ticket.slaPolicyId).toBe(policy.id);
    expect(ticket.firstResponseDueAt?.getTime()).toBe(ticket.createdAt.getTime() + 60 * MIN);
    expect(ticket.resolutionDueAt?.getTime()).toBe(ticket.createdAt.getTime() + 240 * MIN);
    expect(ticket.nextResponseDueAt).toBeNull();
    expect(ticket.slaDueAt?.getTime()).toBe(ticket.createdAt.getTime() + 60 * MIN);
    // 80 % of the nearest target.
    expect(ticket.slaWarnAt?.getTime()).toBe(ticket.createdAt.getTime() + 48 * MIN);
    expect(ticket.slaCheckAt?.getTime()).toBe(ticket.slaWarnAt?.getTime());
    const events = await t.db.prisma.ticketEvent.findMany({ where: { ticketId: ticket.id, type: 'sla' } });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ from: null, to: 'Crítico · 4 h', isInternal: true });
  });

  it('a lower priority moves the ticket to the next policy, recomputed from its creation', async () => {
    const number = await file('CRITICAL');
    let ticket = await ticketOf(number);
    await t.services.tickets.transitionTicket(support, number, 'assign', {
      version: ticket.version,
      priority: 'MEDIUM',
      categoryId,
      departmentId: null,
      technicianId: technician.id,
    });
    ticket = await ticketOf(number);
    expect(ticket.resolutionDueAt?.getTime()).toBe(ticket.createdAt.getTime() + 2400 * MIN);
    const events = await t.db.prisma.ticketEvent.findMany({
      where: { ticketId: ticket.id, type: 'sla' },
      orderBy: { id: 'asc' },
    });
    expect(events.map((e) => [e.from, e.to])).toEqual([
      [null, 'Crítico · 4 h'],
      ['Crítico · 4 h', 'Normal · 1 d 16 h'],
    ]);
  });

  it('on hold nothing is due; resumed, the resolution is pushed by exactly the time on hold', async () => {
    const number = await file('CRITICAL');
    let ticket = await ticketOf(number);
    await t.services.tickets.transitionTicket(support, number, 'assign', {
      version: ticket.version,
      priority: 'CRITICAL',
      categoryId,
      departmentId: null,
      technicianId: technician.id,
    });
    ticket = await ticketOf(number);
    await t.services.tickets.transitionTicket(technician, number, 'start', { version: ticket.version });
    ticket = await ticketOf(number);
    const before = ticket.resolutionDueAt?.getTime() as number;
    await t.services.tickets.transitionTicket(technician, number, 'hold', {
      version: ticket.version,
      reason: 'Espera repuesto',
    });
    ticket = await ticketOf(number);
    expect(ticket.slaDueAt).toBeNull();
    expect(ticket.resolutionDueAt).toBeNull();
    expect(ticket.slaCheckAt).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 30));
    await t.services.tickets.transitionTicket(technician, number, 'resume', { version: ticket.version });
    ticket = await ticketOf(number);
    const spans = await t.db.prisma.ticketEvent.findMany({
      where: { ticketId: ticket.id, type: 'status', to: { in: ['ON_HOLD', 'IN_PROGRESS'] } },
      orderBy: { id: 'asc' },
    });
    const held = (spans.at(-1)?.createdAt.getTime() as number) - (spans.at(-2)?.createdAt.getTime() as number);
    expect(held).toBeGreaterThanOrEqual(30);
    expect(ticket.resolutionDueAt?.getTime()).toBe(before + held);
    // The hold's message to the client was the first response: met, no longer the nearest.
    expect(ticket.firstResponseAt).not.toBeNull();
    expect(ticket.slaDueAt?.getTime()).toBe(ticket.resolutionDueAt?.getTime());
  });

  it("a client's reply starts the next-response clock; a staff reply ends it", async () => {
    const number = await file('MEDIUM');
    await t.services.tickets.addComment(support, number, { body: 'Estamos revisando.', internal: false }, []);
    await t.services.tickets.addComment(client, number, { body: 'Sigue sin imagen.', internal: false }, []);
    let ticket = await ticketOf(number);
    const reply = await t.db.prisma.comment.findFirstOrThrow({
      where: { ticketId: ticket.id },
      orderBy: { id: 'desc' },
    });
    expect(ticket.awaitingReplySince?.getTime()).toBeGreaterThanOrEqual(reply.createdAt.getTime() - 1000);
    expect(ticket.nextResponseDueAt?.getTime()).toBe((ticket.awaitingReplySince?.getTime() as number) + 120 * MIN);
    expect(ticket.slaDueAt?.getTime()).toBe(ticket.nextResponseDueAt?.getTime());
    // An internal note is not an answer to the client.
    await t.services.tickets.addComment(support, number, { body: 'Pedir repuesto.', internal: true }, []);
    expect((await ticketOf(number)).nextResponseDueAt).not.toBeNull();
    await t.services.tickets.addComment(support, number, { body: 'Mañana va el técnico.', internal: false }, []);
    ticket = await ticketOf(number);
    expect(ticket.awaitingReplySince).toBeNull();
    expect(ticket.nextResponseDueAt).toBeNull();
  });

  it('resolved: nothing pending any more, the due instants kept for the record', async () => {
    const number = await file('CRITICAL');
    const ticket = await ticketOf(number);
    await t.services.tickets.transitionTicket(support, number, 'resolve_direct', {
      version: ticket.version,
      message: 'Reiniciamos el grabador.',
    });
    const resolved = await ticketOf(number);
    expect(resolved.slaDueAt).toBeNull();
    expect(resolved.slaCheckAt).toBeNull();
    expect(resolved.resolutionDueAt?.getTime()).toBe(ticket.resolutionDueAt?.getTime());
  });

  it('support sees each target on the ticket page and the policy in the history; the client sees neither', async () => {
    const number = await file('CRITICAL');
    const staffPage = await (await loginAs(t.app, support.email)).get(ticketPath(number));
    expect(staffPage.status).toBe(200);
    expect(staffPage.text).toContain('SLA · Crítico');
    expect(staffPage.text).toMatch(/Primera respuesta<\/dt>\s*<dd><span class="badge sla-badge sla-running">En plazo/);
    const history = await (await loginAs(t.app, support.email)).get(`${ticketPath(number)}?tab=history`);
    expect(history.text).toContain('SLA: — → Crítico · 4 h');
    const clientAgent = await loginAs(t.app, client.email);
    const clientPage = await clientAgent.get(ticketPath(number));
    expect(clientPage.status).toBe(200);
    expect(clientPage.text).not.toContain('Crítico');
    expect((await clientAgent.get(`${ticketPath(number)}?tab=history`)).text).not.toContain('SLA:');
  });

  it('the queue shows the nearest due instant as a badge, filters at risk / breached / within SLA, and sorts by it', async () => {
    const { prisma } = t.db;
    const overdue = await file('CRITICAL');
    const atRisk = await file('CRITICAL');
    const fine = await file('MEDIUM');
    const now = Date.now();
    // Move the stored instants, as time passing would (the sweep and the clock read them alike).
    await prisma.ticket.update({
      where: { number: overdue },
      data: { slaDueAt: new Date(now - 30 * MIN), slaWarnAt: new Date(now - 40 * MIN) },
    });
    await prisma.ticket.update({
      where: { number: atRisk },
      data: { slaDueAt: new Date(now + 5 * MIN), slaWarnAt: new Date(now - 5 * MIN) },
    });
    const agent = await loginAs(t.app, support.email);
    const listed = (html: string) => [...html.matchAll(/TKT-(\d+)<\/a><\/td>/g)].map((m) => Number(m[1]));
    const breached = await agent.get('/queue?sla=breached');
    expect(listed(breached.text)).toContain(overdue);
    expect(listed(breached.text)).not.toContain(atRisk);
    expect(breached.text).toMatch(/sla-overdue" title="[^"]+">Vencido hace 30 minutos</);
    const risky = await agent.get('/queue?sla=at_risk');
    expect(listed(risky.text)).toEqual([atRisk]);
    expect(risky.text).toMatch(/sla-atRisk" title="[^"]+">En riesgo: dentro de [45] minutos</);
    const ok = listed((await agent.get('/queue?sla=ok')).text);
    expect(ok).toContain(fine);
    expect(ok).not.toContain(overdue);
    expect(ok).not.toContain(atRisk);
    const byDue = listed((await agent.get('/queue?sort=due')).text);
    expect(byDue.indexOf(overdue)).toBeLessThan(byDue.indexOf(atRisk));
    expect(byDue.indexOf(atRisk)).toBeLessThan(byDue.indexOf(fine));
  });

  it('an SLA filter lists the most overdue first unless another order is chosen', async () => {
    const { prisma } = t.db;
    const later = await file('CRITICAL');
    const earlier = await file('CRITICAL');
    const now = Date.now();
    await prisma.ticket.update({ where: { number: later }, data: { slaDueAt: new Date(now - 10 * MIN) } });
    await prisma.ticket.update({ where: { number: earlier }, data: { slaDueAt: new Date(now - 90 * MIN) } });
    const agent = await loginAs(t.app, support.email);
    const listed = (html: string) => [...html.matchAll(/TKT-(\d+)<\/a><\/td>/g)].map((m) => Number(m[1]));
    // The filter form sends an empty sort when the default is kept.
    const page = await agent.get('/queue?sla=breached&sort=');
    const order = listed(page.text);
    expect(order.indexOf(earlier)).toBeLessThan(order.indexOf(later));
    expect(page.text).toMatch(/<option value="due" selected>/);
    // Filed first, due last: the oldest order puts it first.
    const oldest = listed((await agent.get('/queue?sla=breached&sort=oldest')).text);
    expect(oldest.indexOf(later)).toBeLessThan(oldest.indexOf(earlier));
  });

  it('"Llegué al sitio": only the technician holding the ticket, once; it meets the on-site target', async () => {
    const { prisma } = t.db;
    await prisma.slaPolicy.update({ where: { name: 'Crítico' }, data: { onSiteMinutes: 480 } });
    clearReferenceCaches();
    const number = await file('CRITICAL');
    let ticket = await ticketOf(number);
    expect(ticket.onSiteDueAt?.getTime()).toBe(ticket.createdAt.getTime() + 480 * MIN);
    await t.services.tickets.transitionTicket(support, number, 'assign', {
      version: ticket.version,
      priority: 'CRITICAL',
      categoryId,
      departmentId: null,
      technicianId: technician.id,
    });
    const path = ticketPath(number);
    const tech = await loginAs(t.app, technician.email);
    expect((await tech.get(path)).text).toContain('Llegué al sitio');
    const supportAgent = await loginAs(t.app, support.email);
    expect((await supportAgent.get(path)).text).not.toContain('Llegué al sitio');
    expect((await submitForm(supportAgent, path, `${path}/on-site`, {})).status).toBe(403);

    const done = await submitForm(tech, path, `${path}/on-site`, {});
    expect(done.status).toBe(302);
    ticket = await ticketOf(number);
    expect(ticket.onSiteAt).not.toBeNull();
    const event = await prisma.ticketEvent.findFirst({ where: { ticketId: ticket.id, type: 'on_site' } });
    expect(event).toMatchObject({ actorId: technician.id, isInternal: false });
    // Met: no longer what the ticket's nearest due instant is about.
    expect(ticket.slaDueAt?.getTime()).not.toBe(ticket.onSiteDueAt?.getTime());
    const page = await tech.get(path);
    expect(page.text).not.toContain('Llegué al sitio</button>');
    // A second tap is refused with the reason, nothing written twice.
    expect((await submitForm(tech, path, `${path}/on-site`, {})).status).toBe(409);
    expect(await prisma.ticketEvent.count({ where: { ticketId: ticket.id, type: 'on_site' } })).toBe(1);
    // The client reads it in the history.
    const clientHistory = await (await loginAs(t.app, client.email)).get(`${path}?tab=history`);
    expect(clientHistory.text).toContain('El técnico llegó al sitio');
  });

  it("a client's list says within or outside SLA, and nothing of the contract", async () => {
    const { prisma } = t.db;
    const late = await file('CRITICAL');
    const onTime = await file('CRITICAL');
    await prisma.ticket.update({ where: { number: late }, data: { slaDueAt: new Date(Date.now() - 10 * MIN) } });
    const page = await (await loginAs(t.app, client.email)).get('/tickets');
    expect(page.status).toBe(200);
    const rowOf = (number: number) => new RegExp(`TKT-${number}</a></td>.*?</tr>`, 's').exec(page.text)?.[0] ?? '';
    expect(rowOf(late)).toContain('Fuera del SLA');
    expect(rowOf(onTime)).toContain('Dentro del SLA');
    expect(page.text).not.toContain('Crítico');
    expect(page.text).not.toContain('En riesgo');
    expect(page.text).not.toMatch(/Vencido (hace|dentro)/);
  });
});
