// Canned replies: who sees which (personal vs shared, a department's for its staff), the text in the
// reader's language, «Insertar» without JavaScript, and a reply's action going through the table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TicketAction } from '../../src/tickets/ticket-lifecycle.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import { type Agent, createTestApp, csrfFrom, loginAs, submitForm, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let categoryId: number;
let cctvId: number;
let alarmsId: number;
let client: Actor & { email: string };
let support: Actor & { email: string; name: string };
let admin: Actor & { email: string };
let techA: Actor & { email: string; name: string };
let techB: Actor & { email: string };
let adminAgent: Agent;
let supportAgent: Agent;
let techAAgent: Agent;
let techBAgent: Agent;
let clientAgent: Agent;

const prisma = () => t.db.prisma;

async function file(requester: Actor = client, subject = 'Cámara del depósito sin imagen'): Promise<number> {
  return t.services.tickets.create(
    requester,
    { subject, description: 'Pantalla negra.', categoryId, priority: 'HIGH', requesterId: null },
    [],
  );
}
async function step(actor: Actor, number: number, action: TicketAction, input: Record<string, unknown> = {}) {
  const { version } = await prisma().ticket.findUniqueOrThrow({ where: { number } });
  await t.services.tickets.transitionTicket(actor, number, action, { version, ...input } as never);
}
/** A ticket assigned to technician A (ASSIGNED), optionally started (IN_PROGRESS). */
async function assignedToA(options: { started?: boolean; requester?: Actor } = {}): Promise<number> {
  const number = await file(options.requester);
  await step(support, number, 'assign', { categoryId, priority: 'HIGH', technicianId: techA.id, departmentId: null });
  if (options.started) await step(techA, number, 'start');
  return number;
}
type ReplyFields = {
  title: string;
  bodyEs?: string;
  bodyEn?: string;
  bodyPtBr?: string;
  departmentId?: number | null;
  setStatusAction?: string;
};
/** Saved through the service (as the pages do), so the per-process copy hears of it. */
async function reply(owner: (Actor & { name?: string }) | 'shared', fields: ReplyFields): Promise<number> {
  const actor = owner === 'shared' ? { ...admin, name: 'Admin' } : { name: 'x', ...owner };
  const saved = await t.services.replies.save(actor as never, owner === 'shared' ? 'shared' : 'own', null, {
    title: fields.title,
    bodyEs: fields.bodyEs ?? null,
    bodyEn: fields.bodyEn ?? null,
    bodyPtBr: fields.bodyPtBr ?? null,
    departmentId: fields.departmentId ?? null,
    setStatusAction: (fields.setStatusAction ?? null) as never,
    isActive: true,
  });
  return saved.id;
}
const decode = (html: string) =>
  html
    .replace(/&#34;|&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const textareaOf = (html: string) => decode(/<textarea id="f-body"[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1] ?? '');
const optionsOf = (html: string) =>
  [...(/<select id="f-replyId"[\s\S]*?<\/select>/.exec(html)?.[0] ?? '').matchAll(/<option value="(\d+)"/g)].map((m) =>
    Number(m[1]),
  );

async function insert(agent: Agent, number: number, replyId: number, body = '') {
  const token = await csrfFrom(agent, ticketPath(number));
  return agent
    .post(`${ticketPath(number)}/reply-insert`)
    .type('form')
    .send({ _csrf: token, replyId: String(replyId), body });
}
async function send(agent: Agent, number: number, body: string, fields: Record<string, string> = {}) {
  const token = await csrfFrom(agent, ticketPath(number));
  const version = /name="version" value="(\d+)"/.exec((await agent.get(ticketPath(number))).text)?.[1] ?? '';
  const req = agent
    .post(`${ticketPath(number)}/comments`)
    .field('_csrf', token)
    .field('body', body)
    .field('version', version);
  for (const [key, value] of Object.entries(fields)) req.field(key, value);
  return req;
}

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-replies-${process.pid}` });
  const db = prisma();
  cctvId = (await createDepartment(db, 'CCTV')).id;
  alarmsId = (await createDepartment(db, 'Alarmas')).id;
  categoryId = (await db.category.create({ data: { name: 'Cámaras', departmentId: cctvId } })).id;
  client = await createUser(db, { role: 'CLIENT', name: 'Juan Pérez' });
  support = await createUser(db, { role: 'SUPPORT', name: 'Sofía Soporte' });
  admin = await createUser(db, { role: 'ADMIN' });
  techA = await createUser(db, { role: 'TECHNICIAN', name: 'Tomás Técnico' });
  techB = await createUser(db, { role: 'TECHNICIAN' });
  await db.userDepartment.create({ data: { userId: techA.id, departmentId: cctvId } });
  await db.userDepartment.create({ data: { userId: techB.id, departmentId: alarmsId } });
  adminAgent = await loginAs(t.app, admin.email);
  supportAgent = await loginAs(t.app, support.email);
  techAAgent = await loginAs(t.app, techA.email);
  techBAgent = await loginAs(t.app, techB.email);
  clientAgent = await loginAs(t.app, client.email);
});
afterAll(async () => {
  await t?.close();
});

describe('who sees which reply', () => {
  let personalA: number;
  let cctvShared: number;
  let globalShared: number;
  let ticket: number;
  beforeAll(async () => {
    personalA = await reply(techA, { title: 'Saludo de Tomás', bodyEs: 'Hola, soy Tomás.' });
    cctvShared = await reply('shared', {
      title: 'Revisar cableado CCTV',
      bodyEs: 'Revise el cable coaxial.',
      departmentId: cctvId,
    });
    globalShared = await reply('shared', { title: 'Gracias', bodyEs: 'Gracias por escribirnos.' });
    ticket = await assignedToA();
  });

  it('a technician sees their own and the shared replies of their department on the ticket page', async () => {
    const page = await techAAgent.get(ticketPath(ticket));
    expect(optionsOf(page.text)).toEqual(expect.arrayContaining([personalA, cctvShared, globalShared]));
  });

  it("when another technician lists or opens a technician's personal reply, they never see it (404)", async () => {
    const list = await techBAgent.get('/replies');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('Saludo de Tomás');
    expect((await techBAgent.get(`/replies/${personalA}`)).status).toBe(404);
    const token = await csrfFrom(techBAgent, '/replies');
    const del = await techBAgent.post(`/replies/${personalA}/delete`).type('form').send({ _csrf: token });
    expect(del.status).toBe(404);
    expect(await prisma().cannedReply.count({ where: { id: personalA } })).toBe(1);
  });

  it("a department's shared reply is offered only to that department's technicians (and to support)", async () => {
    const listB = await techBAgent.get('/replies');
    expect(listB.text).toContain('Gracias');
    expect(listB.text).not.toContain('Revisar cableado CCTV');
    const listA = await techAAgent.get('/replies');
    expect(listA.text).toContain('Revisar cableado CCTV');
    const supportPage = await supportAgent.get(ticketPath(ticket));
    const offered = optionsOf(supportPage.text);
    expect(offered).toEqual(expect.arrayContaining([cctvShared, globalShared]));
    expect(offered).not.toContain(personalA);
  });

  it('inserting a reply one may not use answers 404, with or without JavaScript', async () => {
    expect((await supportAgent.get(`${ticketPath(ticket)}/reply-text?reply=${personalA}`)).status).toBe(404);
    expect((await insert(supportAgent, ticket, personalA)).status).toBe(404);
  });

  it('clients get 403 on /replies and /admin/replies, 404 on the reply text, and no picker', async () => {
    expect((await clientAgent.get('/replies')).status).toBe(403);
    expect((await clientAgent.get('/admin/replies')).status).toBe(403);
    const own = await file();
    expect((await clientAgent.get(`${ticketPath(own)}/reply-text?reply=${globalShared}`)).status).toBe(404);
    const page = await clientAgent.get(ticketPath(own));
    expect(page.status).toBe(200);
    expect(page.text).not.toContain('f-replyId');
  });

  it('support may not manage shared replies (403); only admins do', async () => {
    expect((await supportAgent.get('/admin/replies')).status).toBe(403);
    expect((await adminAgent.get('/admin/replies')).text).toContain('Revisar cableado CCTV');
  });
});

describe('managing replies', () => {
  it('a staff member creates, edits and deletes their own reply, each audited', async () => {
    const created = await submitForm(supportAgent, '/replies/new', '/replies', {
      title: 'Pedir foto',
      bodyEs: 'Hola {{requester.name}}, ¿nos envía una foto?',
      setStatusAction: '',
      isActive: 'on',
    });
    expect(created.status).toBe(302);
    const row = await prisma().cannedReply.findFirstOrThrow({ where: { title: 'Pedir foto' } });
    expect(row.ownerId).toBe(support.id);
    expect(row.departmentId).toBeNull();
    const edited = await submitForm(supportAgent, `/replies/${row.id}`, `/replies/${row.id}`, {
      title: 'Pedir foto del equipo',
      bodyEs: 'Hola, ¿nos envía una foto del equipo?',
      isActive: 'on',
    });
    expect(edited.status).toBe(302);
    const removed = await submitForm(supportAgent, `/replies/${row.id}`, `/replies/${row.id}/delete`, {});
    expect(removed.status).toBe(302);
    expect(await prisma().cannedReply.count({ where: { id: row.id } })).toBe(0);
    const audit = await prisma().auditLog.findMany({
      where: { entityType: 'canned_reply', entityId: String(row.id) },
      orderBy: { id: 'asc' },
    });
    expect(audit.map((a) => a.action)).toEqual(['canned_reply.create', 'canned_reply.update', 'canned_reply.delete']);
  });

  it('a reply with no text in any language comes back 422 with what was typed', async () => {
    const res = await submitForm(adminAgent, '/admin/replies/new', '/admin/replies', {
      title: 'Sin texto',
      departmentId: String(alarmsId),
      setStatusAction: 'hold',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('value="Sin texto"');
    expect(res.text).toMatch(new RegExp(`<option value="${alarmsId}" selected`));
    expect(res.text).toMatch(/<option value="hold" selected/);
    expect(await prisma().cannedReply.count({ where: { title: 'Sin texto' } })).toBe(0);
  });

  it('an unknown variable is saved as typed and the author is told', async () => {
    const res = await submitForm(adminAgent, '/admin/replies/new', '/admin/replies', {
      title: 'Con variable rara',
      bodyEs: 'Su contrato {{contract.code}} vence.',
      isActive: 'on',
    });
    expect(res.status).toBe(302);
    const list = await adminAgent.get('/admin/replies');
    expect(decode(list.text)).toContain('Variables desconocidas, se insertarán tal cual: {{contract.code}}');
    expect(await prisma().cannedReply.count({ where: { title: 'Con variable rara', ownerId: null } })).toBe(1);
  });
});

describe('the text a reply inserts', () => {
  let multi: number;
  beforeAll(async () => {
    multi = await reply('shared', {
      title: 'Recibido',
      bodyEs:
        'Hola {{requester.name}}, recibimos {{ticket.number}} ({{ticket.subject}}). {{agent.name}}. {{x.y}} {{ticket.dueAt}}',
      bodyEn:
        'Hi {{requester.name}}, we got {{ticket.number}} ({{ticket.subject}}). {{agent.name}}. {{x.y}} {{ticket.dueAt}}',
    });
  });

  it("is in the requester's language, with the variables filled and unknown ones left as typed", async () => {
    const english = await createUser(prisma(), { role: 'CLIENT', name: 'Mary Smith' });
    await prisma().user.update({ where: { id: english.id }, data: { locale: 'en' } });
    const number = await file(english, 'Gate camera offline');
    const res = await supportAgent
      .get(`${ticketPath(number)}/reply-text?reply=${multi}`)
      .set('Accept', 'application/json');
    expect(res.status).toBe(200);
    expect(res.body.language).toBe('en');
    expect(res.body.text).toBe(
      `Hi Mary Smith, we got TKT-${number} (Gate camera offline). Sofía Soporte. {{x.y}} (no committed date)`,
    );
  });

  it("fills {{ticket.dueAt}} with the SLA's resolution target on the reader's own clock and language", async () => {
    const english = await createUser(prisma(), { role: 'CLIENT', name: 'Ann Lee' });
    await prisma().user.update({
      where: { id: english.id },
      data: { locale: 'en', timeZone: 'America/Argentina/Buenos_Aires' },
    });
    const number = await file(english, 'Siren silent');
    await prisma().ticket.update({ where: { number }, data: { resolutionDueAt: new Date('2026-12-14T21:00:00Z') } });
    const res = await supportAgent
      .get(`${ticketPath(number)}/reply-text?reply=${multi}`)
      .set('Accept', 'application/json');
    // 21:00 UTC is 18:00 in Buenos Aires (UTC−3).
    expect(res.body.text).toMatch(/\{\{x\.y\}\} Dec 14, 2026, 6:00\sPM$/);
  });

  it('falls back to the first language the reply has when the reader has none of its variants', async () => {
    const brazilian = await createUser(prisma(), { role: 'CLIENT', name: 'João Silva' });
    await prisma().user.update({ where: { id: brazilian.id }, data: { locale: 'pt_BR' } });
    const number = await file(brazilian);
    const res = await supportAgent
      .get(`${ticketPath(number)}/reply-text?reply=${multi}`)
      .set('Accept', 'application/json');
    expect(res.body.language).toBe('es');
    expect(res.body.text).toContain('Hola João Silva');
  });

  it('without JavaScript, «Insertar» re-renders the page with the box filled after what was typed, and sends nothing', async () => {
    const number = await file();
    const before = await prisma().comment.count({ where: { ticket: { number } } });
    const res = await insert(supportAgent, number, multi, 'Buenas tardes.');
    expect(res.status).toBe(200);
    expect(textareaOf(res.text)).toBe(
      `Buenas tardes.\n\nHola Juan Pérez, recibimos TKT-${number} (Cámara del depósito sin imagen). Sofía Soporte. {{x.y}} (sin fecha comprometida)`,
    );
    expect(await prisma().comment.count({ where: { ticket: { number } } })).toBe(before);
  });

  it('is escaped like any comment: markup in a reply is text', async () => {
    const markup = await reply('shared', { title: 'Con marcas', bodyEs: '<b>Hola</b> {{ticket.subject}}' });
    const number = await file(client, '<script>alert(1)</script>');
    const res = await insert(supportAgent, number, markup);
    expect(res.text).not.toContain('<b>Hola</b>');
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(textareaOf(res.text)).toBe('<b>Hola</b> <script>alert(1)</script>');
  });
});

describe("a reply's status action", () => {
  let askInfo: number;
  let thanksResume: number;
  beforeAll(async () => {
    askInfo = await reply('shared', {
      title: 'Pedir más información',
      bodyEs: 'Hola {{requester.name}}, necesitamos el modelo del equipo.',
      setStatusAction: 'hold',
    });
    thanksResume = await reply('shared', {
      title: 'Retomamos',
      bodyEs: 'Gracias, seguimos.',
      setStatusAction: 'resume',
    });
  });

  it('is offered ticked after inserting, and on send the reply becomes the hold reason through the table', async () => {
    const number = await assignedToA({ started: true });
    const page = await insert(techAAgent, number, askInfo);
    expect(page.text).toMatch(/name="thenAction" value="hold" checked/);
    const text = textareaOf(page.text);
    const res = await send(techAAgent, number, text, { thenAction: 'hold' });
    expect(res.status).toBe(302);
    const ticket = await prisma().ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.status).toBe('ON_HOLD');
    expect(ticket.holdReason).toBe(text);
    const comments = await prisma().comment.findMany({ where: { ticketId: ticket.id } });
    expect(comments.map((c) => [c.body, c.isInternal])).toEqual([[text, false]]);
  });

  it('where the table refuses it, nothing is written and the page keeps what was typed (409)', async () => {
    const number = await assignedToA(); // ASSIGNED: hold is allowed only IN_PROGRESS
    const page = await insert(techAAgent, number, askInfo);
    // Not allowed now: offered unticked, with the reason.
    expect(page.text).toMatch(/name="thenAction" value="hold"\s+>/);
    const res = await send(techAAgent, number, 'Necesitamos el modelo, por favor.', { thenAction: 'hold' });
    expect(res.status).toBe(409);
    expect(textareaOf(res.text)).toBe('Necesitamos el modelo, por favor.');
    const ticket = await prisma().ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.status).toBe('ASSIGNED');
    expect(await prisma().comment.count({ where: { ticketId: ticket.id } })).toBe(0);
  });

  it('an action without a message of its own posts the reply and takes the action in one go', async () => {
    const number = await assignedToA({ started: true });
    await step(techA, number, 'hold', { reason: 'Esperando repuesto.' });
    const res = await send(supportAgent, number, 'Gracias, seguimos.', { thenAction: 'resume' });
    expect(res.status).toBe(302);
    const ticket = await prisma().ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.status).toBe('IN_PROGRESS');
    const last = await prisma().comment.findFirstOrThrow({ where: { ticketId: ticket.id }, orderBy: { id: 'desc' } });
    expect(last.body).toBe('Gracias, seguimos.');
    // Inserting that reply offers its action, ticked: the ticket is ON_HOLD again here.
    await step(support, number, 'hold', { reason: 'Otra vez en espera.' });
    expect((await insert(supportAgent, number, thanksResume)).text).toMatch(/name="thenAction" value="resume" checked/);
  });

  it('a client cannot ride an action on a reply: the table refuses it (403) and nothing is written', async () => {
    const number = await assignedToA({ started: true });
    const res = await send(clientAgent, number, 'Ya está.', { thenAction: 'hold' });
    expect(res.status).toBe(403);
    const ticket = await prisma().ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.status).toBe('IN_PROGRESS');
    expect(await prisma().comment.count({ where: { ticketId: ticket.id } })).toBe(0);
  });

  it('an internal note cannot carry an action that speaks to the client: 422, the text kept, nothing written', async () => {
    const number = await assignedToA({ started: true });
    const res = await send(techAAgent, number, 'Solo para el equipo.', { thenAction: 'hold', internal: 'on' });
    expect(res.status).toBe(422);
    expect(textareaOf(res.text)).toBe('Solo para el equipo.');
    expect(res.text).toContain('Esta acción envía la respuesta al cliente');
    const ticket = await prisma().ticket.findUniqueOrThrow({ where: { number } });
    expect(ticket.status).toBe('IN_PROGRESS');
    expect(await prisma().comment.count({ where: { ticketId: ticket.id } })).toBe(0);
  });

  it('a stale page refuses the action and keeps the text', async () => {
    const number = await assignedToA({ started: true });
    const token = await csrfFrom(techAAgent, ticketPath(number));
    const res = await techAAgent
      .post(`${ticketPath(number)}/comments`)
      .field('_csrf', token)
      .field('body', 'Texto escrito')
      .field('version', '1')
      .field('thenAction', 'hold');
    expect(res.status).toBe(409);
    expect(textareaOf(res.text)).toBe('Texto escrito');
    expect((await prisma().ticket.findUniqueOrThrow({ where: { number } })).status).toBe('IN_PROGRESS');
  });
});
