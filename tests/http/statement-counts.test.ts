// SQL statements per page: a handful, and never growing with the data (comments on a ticket, rows in
// a list). Counted over real requests, once the per-process copies of reference data are warm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggedQuery } from '../../bench/query-log.js';
import { installQueryLog, recordQueries } from '../../bench/query-recorder.js';
import type { Actor } from '../../src/tickets/tickets.policy.js';
import { type Agent, createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createUser } from '../helpers/factories.js';
import { ticketPath } from '../helpers/tickets.js';

let t: TestApp;
let support: Agent;
let technician: Agent;
let client: Agent;
let manager: Agent;
let small: number;
let big: number;

async function statementsOf(agent: Agent, path: string): Promise<LoggedQuery[]> {
  await agent.get(path); // warms the per-process copies (reference data, settings)
  let status = 0;
  const log = await recordQueries(async () => {
    status = (await agent.get(path)).status;
  });
  expect(status, path).toBe(200);
  // The session's expiry is re-stamped at most once a minute per session, not per request.
  return log.filter((q) => !/^\s*UPDATE "session"/.test(q.text));
}
const describeAll = (log: LoggedQuery[]) => log.map((q) => q.text.replace(/\s+/g, ' ').slice(0, 90)).join('\n');

beforeAll(async () => {
  installQueryLog();
  t = await createTestApp({ UPLOAD_DIR: `/tmp/centinela-statements-${process.pid}` });
  const { prisma } = t.db;
  const department = await createDepartment(prisma, 'CCTV');
  const categoryId = (await prisma.category.create({ data: { name: 'Cámaras', departmentId: department.id } })).id;
  const clientUser = await createUser(prisma, { role: 'CLIENT' });
  const supportUser = await createUser(prisma, { role: 'SUPPORT' });
  const techUser = await createUser(prisma, { role: 'TECHNICIAN' });
  const { tickets } = t.services;
  const asClient: Actor = clientUser;
  const asSupport: Actor = supportUser;
  const file = (subject: string) =>
    tickets.create(
      asClient,
      { subject, description: 'Sin imagen.', categoryId, priority: 'HIGH', requesterId: null },
      [],
    );
  const assign = async (number: number) => {
    const { version } = await prisma.ticket.findUniqueOrThrow({ where: { number } });
    await tickets.transitionTicket(asSupport, number, 'assign', {
      version,
      categoryId,
      priority: 'HIGH',
      technicianId: techUser.id,
      departmentId: null,
    });
  };
  small = await file('Cámara 1');
  big = await file('Cámara 2');
  for (const number of [small, big]) await assign(number);
  for (let i = 0; i < 2; i++)
    await tickets.addComment(asSupport, small, { body: `Nota ${i}`, internal: i % 2 === 0 }, []);
  for (let i = 0; i < 60; i++)
    await tickets.addComment(asSupport, big, { body: `Nota ${i}`, internal: i % 3 === 0 }, []);
  for (let i = 0; i < 70; i++) await file(`Otra cámara ${i}`);
  // A shared canned reply: the staff ticket page offers it from the per-process copy, no statement.
  await t.services.replies.save({ ...supportUser, role: 'ADMIN' }, 'shared', null, {
    title: 'Pedir más información',
    bodyEs: 'Hola {{requester.name}}',
    bodyEn: null,
    bodyPtBr: null,
    departmentId: null,
    setStatusAction: 'hold',
    isActive: true,
  });
  support = await loginAs(t.app, supportUser.email);
  technician = await loginAs(t.app, techUser.email);
  client = await loginAs(t.app, clientUser.email);
  const managerUser = await createUser(prisma, {
    role: 'CLIENT',
    organizationId: clientUser.organizationId,
    isOrgManager: true,
  });
  manager = await loginAs(t.app, managerUser.email);
});
afterAll(async () => {
  await t.close();
});

describe('statements per request', () => {
  it('the queue: at most 3 (session with user and bell, counts, the page), the same on the first and the second page', async () => {
    const first = await statementsOf(support, '/queue');
    expect(first.length, describeAll(first)).toBeLessThanOrEqual(3);
    const page = await support.get('/queue');
    const next = /href="(\?[^"]*after=[^"]*)" rel="next"/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
    expect(next).toBeDefined();
    const second = await statementsOf(support, `/queue${next}`);
    expect(second.length, describeAll(second)).toBe(first.length);
  });

  it('the ticket page: at most 3 (session, the ticket with its thread, the technician picker), whatever the number of comments', async () => {
    expect((await support.get(ticketPath(small))).text).toContain('Pedir más información');
    const few = await statementsOf(support, ticketPath(small));
    const many = await statementsOf(support, ticketPath(big));
    expect(many.length, describeAll(many)).toBeLessThanOrEqual(3);
    expect(many.length).toBe(few.length);
    const asTechnician = await statementsOf(technician, ticketPath(big));
    expect(asTechnician.length, describeAll(asTechnician)).toBeLessThanOrEqual(3);
    const asClient = await statementsOf(client, ticketPath(big));
    expect(asClient.length, describeAll(asClient)).toBeLessThanOrEqual(3);
  });

  it("the technician's work list and the client's list: at most 2 (session, the page)", async () => {
    const work = await statementsOf(technician, '/work');
    expect(work.length, describeAll(work)).toBeLessThanOrEqual(2);
    const mine = await statementsOf(client, '/tickets');
    expect(mine.length, describeAll(mine)).toBeLessThanOrEqual(2);
  });

  it("an organization manager's list (with its requester filter): at most 2 as well", async () => {
    const page = await manager.get('/tickets');
    expect(page.text).toContain('id="requesterId"');
    const mine = await statementsOf(manager, '/tickets');
    expect(mine.length, describeAll(mine)).toBeLessThanOrEqual(2);
  });
});
