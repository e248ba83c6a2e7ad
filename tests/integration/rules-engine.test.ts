// The rule engine (src/rules/): events recorded with the change, evaluated after commit through the
// ticket use cases as the rule. A loop is cut and logged; two workers never run one event twice;
// whatever the lifecycle table or the checks refuse is refused for the rule too, with nothing
// changed; a rule's internal note never reaches the client; the time trigger (and the built-in
// auto-close) fires once per stay.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { removeDemoData, seedDemoData } from '../../src/demo/demo.service.js';
import { createRuleEngine, recordRuleEvent } from '../../src/rules/rule-engine.js';
import type { RuleAction } from '../../src/rules/rules.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import { createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';
import { ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let client: Actor & { email: string };
let support: Actor & { email: string };
let position = 10;

beforeAll(async () => {
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-rules-${process.pid}` });
  client = await createUser(t.db.prisma, { role: 'CLIENT' });
  support = await createUser(t.db.prisma, { role: 'SUPPORT' });
});
afterAll(async () => {
  await t.close();
});
beforeEach(async () => {
  // Each test sets up its own rules; the built-in auto-close stays (it is time-triggered).
  await t.db.prisma.rule.deleteMany({ where: { builtIn: null } });
});

type RuleInput = {
  name: string;
  trigger: string;
  actions: RuleAction[];
  priorities?: ('LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL')[];
  timeStatus?: 'NEW' | 'RESOLVED';
  timeHours?: number;
  subjectContains?: string;
};
async function addRule(input: RuleInput) {
  return t.db.prisma.rule.create({
    data: {
      name: input.name,
      position: position++,
      trigger: input.trigger,
      actions: input.actions,
      priorities: input.priorities ?? [],
      timeStatus: input.timeStatus ?? null,
      timeHours: input.timeHours ?? null,
      subjectContains: input.subjectContains ?? null,
      categoryIds: [],
      departmentIds: [],
      organizationIds: [],
      channels: [],
    },
  });
}

const file = (subject = 'Cámara 3 sin imagen', priority: 'LOW' | 'MEDIUM' = 'MEDIUM') =>
  t.services.tickets.create(
    client,
    { subject, description: 'Desde ayer no graba.', priority, categoryId: null, requesterId: null },
    [],
  );
const ticketOf = (number: number) => t.db.prisma.ticket.findUniqueOrThrow({ where: { number } });
const runsOf = (ruleId: number) => t.db.prisma.ruleRun.findMany({ where: { ruleId }, orderBy: { id: 'asc' } });
const pendingRuleEvents = () =>
  t.db.prisma.outboxMessage.count({ where: { kind: 'rule', sentAt: null, failedAt: null } });

/** Everything a refused action must leave as it was. */
async function snapshot(number: number) {
  const ticket = await ticketOf(number);
  return {
    status: ticket.status,
    version: ticket.version,
    priority: ticket.priority,
    categoryId: ticket.categoryId,
    departmentId: ticket.departmentId,
    events: await t.db.prisma.ticketEvent.count({ where: { ticketId: ticket.id } }),
    comments: await t.db.prisma.comment.count({ where: { ticketId: ticket.id } }),
  };
}

describe('rule engine', () => {
  it('cuts a loop: two rules that would ping-pong a priority stop, and the cut is logged', async () => {
    const up = await addRule({
      name: 'Sube',
      trigger: 'updated',
      priorities: ['LOW'],
      actions: [{ type: 'set_priority', value: 'HIGH' }],
    });
    const down = await addRule({
      name: 'Baja',
      trigger: 'updated',
      priorities: ['HIGH'],
      actions: [{ type: 'set_priority', value: 'LOW' }],
    });
    const number = await file();
    const ticket = await ticketOf(number);
    await t.services.tickets.updateProperties(support, number, {
      version: ticket.version,
      categoryId: null,
      priority: 'LOW',
      departmentId: null,
      technicianId: null,
      reason: null,
    });
    await t.services.rules.drain();

    expect(await pendingRuleEvents()).toBe(0);
    const runs = [...(await runsOf(up.id)), ...(await runsOf(down.id))];
    expect(runs.some((run) => run.outcome === 'loop_cut')).toBe(true);
    expect(runs.filter((run) => run.outcome === 'applied').length).toBeGreaterThan(0);
    // Bounded: the person's edit plus a few by the rules, not an endless history.
    const edits = await t.db.prisma.ticketEvent.count({ where: { ticketId: ticket.id, type: 'field' } });
    expect(edits).toBeGreaterThan(1);
    expect(edits).toBeLessThanOrEqual(6);
    // Each rule's change is in the history under its name.
    const byRule = await t.db.prisma.ticketEvent.findFirstOrThrow({
      where: { ticketId: ticket.id, type: 'field', actorId: null },
    });
    expect(['Sube', 'Baja']).toContain((byRule.data as { rule: string }).rule);
  });

  it('stops at the depth limit, logging "loop_cut", even when every rule in the chain is different', async () => {
    const rules = [];
    // LOW → MEDIUM → HIGH → CRITICAL → LOW …, one rule per step: no rule repeats before depth 3.
    for (const [from, to] of [
      ['LOW', 'MEDIUM'],
      ['MEDIUM', 'HIGH'],
      ['HIGH', 'CRITICAL'],
      ['CRITICAL', 'LOW'],
    ] as const) {
      rules.push(
        await addRule({
          name: `Escalón ${from}`,
          trigger: 'updated',
          priorities: [from],
          actions: [{ type: 'set_priority', value: to }],
        }),
      );
    }
    const number = await file('Escalera', 'MEDIUM');
    const ticket = await ticketOf(number);
    await t.services.tickets.updateProperties(support, number, {
      version: ticket.version,
      categoryId: null,
      priority: 'LOW',
      departmentId: null,
      technicianId: null,
      reason: null,
    });
    await t.services.rules.drain();
    expect(await pendingRuleEvents()).toBe(0);
    const cut = await t.db.prisma.ruleRun.findMany({
      where: { ruleId: { in: rules.map((rule) => rule.id) }, outcome: 'loop_cut' },
    });
    expect(cut.length).toBeGreaterThan(0);
    const details = cut.map((run) => JSON.parse(run.detail ?? '{}') as { depth: number; chain: number[] });
    // Events at depth 3 are not evaluated: the rules that matched them are logged as cut.
    expect(details.some((detail) => detail.depth === 3)).toBe(true);
    expect(details.every((detail) => detail.depth <= 3)).toBe(true);
  });

  it('applies within a moment of the commit: the NOTIFY wakes the worker, no drain() called', async () => {
    await addRule({ name: 'Despierta', trigger: 'created', actions: [{ type: 'internal_note', value: 'Despierto' }] });
    const job = t.services.jobs.find((candidate) => candidate.name === 'rules');
    // The job's start subscribes to the wake-up; its return value unsubscribes (the other tests drain by hand).
    const stop = job?.start?.() as (() => void) | undefined;
    await t.services.live.ready();
    const number = await file('Sin esperar');
    const ticket = await ticketOf(number);
    const deadline = Date.now() + 2_000;
    let notes = 0;
    while (notes === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      notes = await t.db.prisma.comment.count({ where: { ticketId: ticket.id, ruleName: 'Despierta' } });
    }
    stop?.();
    expect(notes).toBe(1);
  });

  it('two workers draining at once run a rule once for one event', async () => {
    const rule = await addRule({
      name: 'Nota de bienvenida',
      trigger: 'created',
      actions: [{ type: 'internal_note', value: 'Revisar grabador' }],
    });
    const numbers = [];
    for (let i = 0; i < 6; i++) numbers.push(await file(`Concurrente ${i}`));
    const other = createRuleEngine(t.ctx, { tickets: t.services.tickets, renderReply: async () => '' });
    await Promise.all([t.services.rules.drain(), other.drain(), t.services.rules.drain(), other.drain()]);
    for (const number of numbers) {
      const ticket = await ticketOf(number);
      const notes = await t.db.prisma.comment.findMany({ where: { ticketId: ticket.id, ruleName: rule.name } });
      expect(notes).toHaveLength(1);
    }
    expect((await runsOf(rule.id)).filter((run) => run.outcome === 'applied')).toHaveLength(numbers.length);
  });

  it('an action the lifecycle table refuses is refused for the rule, with nothing changed, and logged', async () => {
    // close is allowed to the system only from RESOLVED; this ticket is NEW.
    const rule = await addRule({ name: 'Cierra ya', trigger: 'created', actions: [{ type: 'close' }] });
    const number = await file('Cerrar antes de tiempo');
    const before = await snapshot(number);
    await t.services.rules.drain();
    expect(await snapshot(number)).toEqual(before);
    const [run] = await runsOf(rule.id);
    expect(run?.outcome).toBe('refused');
    expect(JSON.parse(run?.detail ?? '{}')).toMatchObject({
      action: 'close',
      key: 'tickets.errors.notAllowedInState',
    });
  });

  it('an inactive category, or any edit of a closed ticket, is refused for the rule with nothing changed', async () => {
    const inactive = await t.db.prisma.category.create({ data: { name: 'Retirada', isActive: false } });
    const category = await addRule({
      name: 'Categoría vieja',
      trigger: 'updated',
      actions: [{ type: 'set_category', value: String(inactive.id) }],
    });
    const number = await file('Con categoría retirada');
    const ticket = await ticketOf(number);
    await t.services.rules.drain();
    const before = await snapshot(number);
    await recordRuleEvent(t.db.prisma, ticket.id, { trigger: 'updated', depth: 0, chain: [] });
    await t.services.rules.drain();
    expect(await snapshot(number)).toEqual(before);
    const [refused] = await runsOf(category.id);
    expect(refused?.outcome).toBe('refused');
    expect(JSON.parse(refused?.detail ?? '{}').fields).toEqual([
      { field: 'categoryId', key: 'validation.invalidChoice' },
    ]);

    // A CLOSED ticket: no classification edit (final), no close (not RESOLVED), no public reply.
    await t.db.prisma.rule.deleteMany({ where: { builtIn: null } });
    const closedNumber = await file('Ya cerrado');
    await t.services.tickets.transitionTicket(support, closedNumber, 'resolve_direct', {
      version: (await ticketOf(closedNumber)).version,
      message: 'Listo.',
    });
    await t.services.tickets.transitionTicket(support, closedNumber, 'close', {
      version: (await ticketOf(closedNumber)).version,
    });
    await t.services.rules.drain();
    const rules = [
      await addRule({
        name: 'Prioridad en cerrado',
        trigger: 'updated',
        actions: [{ type: 'set_priority', value: 'HIGH' }],
      }),
      await addRule({ name: 'Cerrar cerrado', trigger: 'updated', actions: [{ type: 'close' }] }),
      await addRule({ name: 'Asignar', trigger: 'updated', actions: [{ type: 'assign' }] }),
    ];
    const closed = await ticketOf(closedNumber);
    const closedBefore = await snapshot(closedNumber);
    await recordRuleEvent(t.db.prisma, closed.id, { trigger: 'updated', depth: 0, chain: [] });
    await t.services.rules.drain();
    expect(await snapshot(closedNumber)).toEqual(closedBefore);
    const details = [];
    for (const rule of rules) {
      const [run] = await runsOf(rule.id);
      expect(run?.outcome).toBe('refused');
      details.push(JSON.parse(run?.detail ?? '{}').key);
    }
    expect(details).toEqual([
      'tickets.errors.finalTicket',
      'tickets.errors.notAllowedInState',
      // The department's method only assigns a ticket waiting for a technician (NEW, REOPENED).
      'rules.errors.assignSkipped',
    ]);
    const [assignRun] = await runsOf((rules[2] as { id: number }).id);
    expect(JSON.parse(assignRun?.detail ?? '{}').params).toMatchObject({ skipped: 'not_waiting' });
  });

  it("a rule's internal note is on the staff's page under the rule's name and never on the client's", async () => {
    await addRule({
      name: 'Aviso interno',
      trigger: 'created',
      actions: [{ type: 'internal_note', value: 'Cliente con contrato vencido: verificar pago' }],
    });
    const number = await file('Nota de regla');
    await t.services.rules.drain();
    const staffPage = await (await loginAs(t.app, support.email)).get(ticketPath(number));
    expect(staffPage.text).toContain('Cliente con contrato vencido');
    expect(staffPage.text).toContain('Regla: Aviso interno');
    const clientAgent = await loginAs(t.app, client.email);
    const clientPage = await clientAgent.get(ticketPath(number));
    expect(clientPage.status).toBe(200);
    expect(clientPage.text).not.toContain('contrato vencido');
    const history = await clientAgent.get(`${ticketPath(number)}?tab=history`);
    expect(history.text).not.toContain('contrato vencido');
    expect(history.text).not.toContain('Aviso interno');
    // Nor in the client's search.
    const search = await clientAgent.get('/tickets?q=contrato');
    expect(search.text).not.toContain('contrato vencido');
    // And no e-mail to the client quotes it: its only outbox row is the staff-only topic.
    const ticket = await ticketOf(number);
    const rows = await t.db.prisma.outboxMessage.findMany({
      where: { ticketId: ticket.id, kind: 'notification', topic: 'comment.internal' },
    });
    expect(rows).toHaveLength(1);
  });
});

describe('triggers and actions', () => {
  it("client replied: the client's public reply triggers the rule, a staff reply does not", async () => {
    const rule = await addRule({
      name: 'Cliente insiste',
      trigger: 'client_replied',
      actions: [{ type: 'set_priority', value: 'HIGH' }],
    });
    const number = await file('Respuesta del cliente');
    await t.services.tickets.addComment(support, number, { body: 'Estamos viendo.', internal: false }, []);
    await t.services.rules.drain();
    expect((await ticketOf(number)).priority).toBe('MEDIUM');
    await t.services.tickets.addComment(client, number, { body: 'Sigue igual.', internal: false }, []);
    await t.services.rules.drain();
    expect((await ticketOf(number)).priority).toBe('HIGH');
    expect((await runsOf(rule.id)).map((run) => run.outcome)).toEqual(['applied']);
  });

  it('SLA breach: the sweep records the rule event in its transaction, and the rule acts on it', async () => {
    await t.db.prisma.slaPolicy.create({
      data: {
        name: 'Una hora',
        position: 1,
        priorities: [],
        categoryIds: [],
        departmentIds: [],
        organizationIds: [],
        channels: [],
        businessHours: false,
        firstResponseMinutes: 60,
      },
    });
    const { clearReferenceCaches } = await import('../../src/reference/reference-data.js');
    clearReferenceCaches();
    await addRule({
      name: 'Escalar vencidos',
      trigger: 'sla_breach',
      actions: [
        { type: 'set_priority', value: 'CRITICAL' },
        { type: 'notify', value: 'role:SUPPORT' },
      ],
    });
    const number = await file('Vence pronto');
    await t.services.rules.drain();
    await t.services.slaSweep(new Date(Date.now() + 2 * 3_600_000));
    await t.services.rules.drain();
    const ticket = await ticketOf(number);
    expect(ticket.priority).toBe('CRITICAL');
    // The notify action: an outbox row that reaches support, never the client.
    const row = await t.db.prisma.outboxMessage.findFirstOrThrow({
      where: { ticketId: ticket.id, topic: 'rule.notify' },
    });
    const { resolveDeliveries } = await import('../../src/notifications/recipients.js');
    const resolved = await resolveDeliveries(t.db.prisma, [
      {
        id: row.id,
        topic: row.topic,
        ticketId: row.ticketId,
        payload: row.payload as Record<string, unknown>,
        createdAt: row.createdAt,
      },
    ]);
    const delivery = resolved.get(row.id) as { delivery: { recipients: { userId: number | null; role: string }[] } };
    const recipients = delivery.delivery.recipients;
    expect(recipients.map((r) => r.userId)).toContain(support.id);
    expect(recipients.every((r) => r.role === 'SUPPORT')).toBe(true);
    await t.db.prisma.slaPolicy.deleteMany({});
    clearReferenceCaches();
  });

  it("a canned reply by a rule reaches the client under the rule's name, and is not a first response", async () => {
    const reply = await t.db.prisma.cannedReply.create({
      data: { title: 'Recibido', bodyEs: 'Hola {{requester.name}}, recibimos {{ticket.number}}.' },
    });
    await addRule({ name: 'Acuse', trigger: 'created', actions: [{ type: 'canned_reply', value: String(reply.id) }] });
    const number = await file('Quiero acuse');
    await t.services.rules.drain();
    const ticket = await ticketOf(number);
    expect(ticket.firstResponseAt).toBeNull();
    const page = await (await loginAs(t.app, client.email)).get(ticketPath(number));
    expect(page.text).toContain(`recibimos TKT-${number}.`);
    // The rule's name is the admin's wording: staff see it, the client sees the system.
    expect(page.text).not.toContain('Acuse');
    const staffPage = await (await loginAs(t.app, support.email)).get(ticketPath(number));
    expect(staffPage.text).toContain('Regla: Acuse');
  });
});

describe('assign per the department', () => {
  it('uses the injected assignment: assigned is applied (with the name), skipped is refused with its reason', async () => {
    const rule = await addRule({ name: 'Asignar al crear', trigger: 'created', actions: [{ type: 'assign' }] });
    const asked: { number: number; rule: string | undefined }[] = [];
    let answer: { assigned: { id: number; name: string } } | { skipped: string } = {
      assigned: { id: 1, name: 'Técnica Rosa' },
    };
    const engine = createRuleEngine(t.ctx, {
      tickets: t.services.tickets,
      renderReply: async () => '',
      assignByDepartment: async (number, actor) => {
        asked.push({ number, rule: actor?.name });
        return answer;
      },
    });
    const first = await file('Asignable');
    await engine.drain();
    answer = { skipped: 'sin técnicos disponibles' };
    const second = await file('Sin técnicos');
    await engine.drain();
    expect(asked).toEqual([
      { number: first, rule: 'Asignar al crear' },
      { number: second, rule: 'Asignar al crear' },
    ]);
    const runs = await runsOf(rule.id);
    expect(runs.map((run) => [run.ticketNumber, run.outcome])).toEqual([
      [first, 'applied'],
      [second, 'refused'],
    ]);
    expect(runs[0]?.detail).toBe('Técnica Rosa');
    expect(JSON.parse(runs[1]?.detail ?? '{}')).toMatchObject({
      key: 'rules.errors.assignSkipped',
      params: { skipped: 'sin técnicos disponibles' },
    });
  });
});

describe('time trigger', () => {
  it('auto-close is the built-in rule: RESOLVED for its hours, then closed by the system as the rule', async () => {
    const builtIn = await t.db.prisma.rule.findUniqueOrThrow({ where: { builtIn: 'auto_close' } });
    expect(builtIn.timeHours).toBe(5 * 24);
    const number = await file('Resuelto hace días');
    await t.services.tickets.transitionTicket(support, number, 'resolve_direct', {
      version: (await ticketOf(number)).version,
      message: 'Cambiamos la fuente.',
    });
    await t.services.rules.drain();
    const soon = new Date(Date.now() + 4 * 86_400_000);
    expect(await t.services.fireTimeRules(soon)).toBe(0);
    const later = new Date(Date.now() + 6 * 86_400_000);
    expect(await t.services.fireTimeRules(later)).toBeGreaterThanOrEqual(1);
    await t.services.rules.drain();
    const ticket = await ticketOf(number);
    expect(ticket.status).toBe('CLOSED');
    const close = await t.db.prisma.ticketEvent.findFirstOrThrow({
      where: { ticketId: ticket.id, type: 'status', action: 'close' },
    });
    expect(close.actorId).toBeNull();
    expect(close.data).toMatchObject({ rule: builtIn.name });
  });

  it('fires once per stay in the status, even when the walk starts over', async () => {
    const rule = await addRule({
      name: 'Sin atender',
      trigger: 'time_in_status',
      timeStatus: 'NEW',
      timeHours: 2,
      subjectContains: 'sin atender',
      actions: [{ type: 'internal_note', value: 'Dos horas sin atender' }],
    });
    const number = await file('Alarma sin atender');
    const inThreeHours = new Date(Date.now() + 3 * 3_600_000);
    expect(await t.services.fireTimeRules(new Date())).toBe(0);
    expect(await t.services.fireTimeRules(inThreeHours)).toBeGreaterThanOrEqual(1);
    expect(await t.services.fireTimeRules(inThreeHours)).toBe(0);
    // An edit of the hours restarts the walk from the beginning: the same stay still fires once.
    await t.db.prisma.rule.update({ where: { id: rule.id }, data: { timeCursorAt: null, timeCursorId: null } });
    expect(await t.services.fireTimeRules(inThreeHours)).toBe(0);
    await t.services.rules.drain();
    const ticket = await ticketOf(number);
    expect(await t.db.prisma.comment.count({ where: { ticketId: ticket.id, ruleName: 'Sin atender' } })).toBe(1);
  });
});

describe('the demo rule', () => {
  it('makes a ticket whose subject says "urgente" critical, with a note for staff; removing the demo takes the rule', async () => {
    const { prisma } = t.db;
    await seedDemoData(prisma, { password: 'demo password 2026' });
    const rule = await prisma.rule.findUniqueOrThrow({ where: { name: 'Urgente por asunto' } });
    expect(rule.isDemo).toBe(true);
    const number = await file('URGENTE: el panel de alarma no reporta');
    await t.services.rules.drain();
    const ticket = await ticketOf(number);
    expect(ticket.priority).toBe('CRITICAL');
    const notes = await prisma.comment.findMany({ where: { ticketId: ticket.id, ruleName: 'Urgente por asunto' } });
    expect(notes.map((note) => note.isInternal)).toEqual([true]);
    // Another subject is left alone.
    const calm = await file('Consulta por la factura');
    await t.services.rules.drain();
    expect((await ticketOf(calm)).priority).toBe('MEDIUM');

    // Removing the demo needs a real admin to hand the desk to.
    const admin = await createUser(prisma, { role: 'ADMIN' });
    await removeDemoData(prisma, admin.id, async () => {});
    expect(await prisma.rule.count({ where: { name: 'Urgente por asunto' } })).toBe(0);
    const positions = (await prisma.rule.findMany({ orderBy: { position: 'asc' } })).map((r) => r.position);
    expect(positions).toEqual(positions.map((_, i) => i + 1));
  });
});
