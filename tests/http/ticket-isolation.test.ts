// Who sees what (LIFECYCLE.md): organizations are walled off from each other, a client sees their
// own tickets (a manager, the whole organization's), a technician sees what is or was assigned to
// them and browses their department read-only, and internal notes never reach a client.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Agent, createTestApp, csrfFrom, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createOrganization, createUser } from '../helpers/factories.js';
import { act, comment, numberFromLocation, ticketPath, versionOf } from '../helpers/tickets.js';

let t: TestApp;
let uploadDir: string;

// Users (agents) and the ids the tests need.
let clientA: Agent; // plain client of A, owner of ticket A1
let colleagueA: Agent; // plain client of A, owner of ticket A2
let managerA: Agent; // A's organization manager
let clientB: Agent;
let managerB: Agent;
let support: Agent;
let techAssigned: Agent; // assigned to A1 first, then replaced
let techNext: Agent; // A1's assignee after the reassignment
let techOther: Agent; // another department, never assigned
let techDept: Agent; // in A1's department, not assigned
let clientAId: number;
let colleagueAId: number;
let techAssignedId: number;
let techNextId: number;
let categoryId: number;

// Tickets.
let a1: number; // clientA's, with an attachment, later with internal notes
let a2: number; // colleagueA's
let b1: number; // clientB's
let a1PublicFileId: number;
let a1InternalFileId: number;
let a1ProposalFileId: number; // attached to a solution under validation: staff-only too

const a1Subject = 'Sirena del depósito Quilmes no suena';
const a2Subject = 'Portón eléctrico trabado en Avellaneda';
const b1Subject = 'Impresora de la sucursal Norte';
const secrets = {
  note: 'NOTA-SECRETA: la clave del panel es 4455',
  noteFile: 'plano-interno-panel.png',
  rejection: 'RECHAZO-SECRETO: falta probar la batería de respaldo',
  proposal: 'PROPUESTA-SIN-APROBAR: reemplazar la sirena',
  proposalFile: 'presupuesto-sirena.png',
  reassignReason: 'MOTIVO-REASIGNACION: el técnico está de licencia',
};
/** What a client must never read anywhere, besides the secrets themselves. */
const staffOnlyWords = ['Nota interna', 'sólo personal'];

function png(seed: number): Buffer {
  const crc = (buf: Buffer) => {
    let c = 0xffffffff;
    for (const byte of buf) {
      c ^= byte;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), body.length + 4);
    return out;
  };
  const header = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from([0, seed & 0xff, 0x40, 0x80]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

async function fileTicket(agent: Agent, subject: string, description: string, file?: { name: string; bytes: Buffer }) {
  const token = await csrfFrom(agent, '/tickets/new');
  const req = agent
    .post('/tickets')
    .field('_csrf', token)
    .field('subject', subject)
    .field('description', description)
    .field('categoryId', String(categoryId));
  if (file) req.attach('attachments', file.bytes, { filename: file.name, contentType: 'image/png' });
  const res = await req;
  if (res.status !== 302) throw new Error(`Filing "${subject}" failed: ${res.status}`);
  return numberFromLocation(res.headers.location);
}

/** Every list page a client has: each tab, plain and searched. */
function listUrls(number: number) {
  const urls: string[] = [];
  for (const tab of ['open', 'resolved', 'closed']) {
    urls.push(`/tickets?tab=${tab}`);
    urls.push(`/tickets?tab=${tab}&q=Quilmes`);
    urls.push(`/tickets?tab=${tab}&q=${encodeURIComponent(`TKT-${number}`)}`);
    urls.push(`/tickets?tab=${tab}&q=${number}`);
    urls.push(`/tickets?tab=${tab}&q=${encodeURIComponent('clave del panel')}`);
  }
  return urls;
}

/** Ticket numbers a list page links to (the search box may echo "TKT-n" itself). */
const listed = (html: string) => [
  ...new Set([...html.matchAll(/href="\/tickets\/TKT-(\d+)"/g)].map((m) => Number(m[1]))),
];
/** Attachment ids shown on a page, in order. */
const attachmentLinks = (html: string) => [...html.matchAll(/href="\/attachments\/(\d+)"/g)].map((m) => Number(m[1]));

async function filesLeft(): Promise<string[]> {
  const walk = async (dir: string): Promise<string[]> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
    const nested = await Promise.all(
      entries.map((entry) =>
        entry.isDirectory() ? walk(path.join(dir, entry.name)) : Promise.resolve([path.join(dir, entry.name)]),
      ),
    );
    return nested.flat();
  };
  return walk(path.join(uploadDir, 'tmp'));
}

beforeAll(async () => {
  uploadDir = await mkdtemp(path.join(os.tmpdir(), 'centinela-isolation-'));
  t = await createTestApp({ UPLOAD_DIR: uploadDir });
  const prisma = t.db.prisma;
  const orgA = await createOrganization(prisma, { name: 'Organización A' });
  const orgB = await createOrganization(prisma, { name: 'Organización B' });
  const cctv = await createDepartment(prisma, 'Alarmas');
  const networks = await createDepartment(prisma, 'Redes');
  categoryId = (await prisma.category.create({ data: { name: 'Alarma', departmentId: cctv.id } })).id;

  const users = {
    clientA: await createUser(prisma, { role: 'CLIENT', organizationId: orgA.id, name: 'Ana Dueña' }),
    colleagueA: await createUser(prisma, { role: 'CLIENT', organizationId: orgA.id, name: 'Carlos Colega' }),
    managerA: await createUser(prisma, {
      role: 'CLIENT',
      organizationId: orgA.id,
      isOrgManager: true,
      name: 'Marta Gerente',
    }),
    clientB: await createUser(prisma, { role: 'CLIENT', organizationId: orgB.id, name: 'Beto Ajeno' }),
    managerB: await createUser(prisma, {
      role: 'CLIENT',
      organizationId: orgB.id,
      isOrgManager: true,
      name: 'Berta Gerente',
    }),
    support: await createUser(prisma, { role: 'SUPPORT', name: 'Sofía Soporte' }),
    // No department: once replaced, only the "assigned before" rule lets this technician read A1.
    techAssigned: await createUser(prisma, { role: 'TECHNICIAN', name: 'Tomás Primero' }),
    techNext: await createUser(prisma, { role: 'TECHNICIAN', name: 'Nico Segundo' }),
    techOther: await createUser(prisma, { role: 'TECHNICIAN', name: 'Raúl Redes' }),
    techDept: await createUser(prisma, { role: 'TECHNICIAN', name: 'Alba Alarmas' }),
  };
  await prisma.userDepartment.create({ data: { userId: users.techOther.id, departmentId: networks.id } });
  await prisma.userDepartment.create({ data: { userId: users.techDept.id, departmentId: cctv.id } });
  clientAId = users.clientA.id;
  colleagueAId = users.colleagueA.id;
  techAssignedId = users.techAssigned.id;
  techNextId = users.techNext.id;

  const login = (user: { email: string }) => loginAs(t.app, user.email);
  clientA = await login(users.clientA);
  colleagueA = await login(users.colleagueA);
  managerA = await login(users.managerA);
  clientB = await login(users.clientB);
  managerB = await login(users.managerB);
  support = await login(users.support);
  techAssigned = await login(users.techAssigned);
  techNext = await login(users.techNext);
  techOther = await login(users.techOther);
  techDept = await login(users.techDept);

  a1 = await fileTicket(clientA, a1Subject, 'Desde el lunes la sirena no suena al activar la alarma.', {
    name: 'foto-sirena.png',
    bytes: png(1),
  });
  a2 = await fileTicket(colleagueA, a2Subject, 'El portón no abre con el control remoto.');
  b1 = await fileTicket(clientB, b1Subject, 'No imprime desde la red.');

  // Support routes A1 to the first technician, who works on it.
  expect(
    (
      await act(support, a1, 'assign', {
        categoryId: String(categoryId),
        priority: 'HIGH',
        technicianId: String(techAssignedId),
      })
    ).status,
  ).toBe(302);
  expect((await act(techAssigned, a1, 'start')).status).toBe(302);

  // An internal note with an attachment, from support.
  const token = await csrfFrom(support, ticketPath(a1));
  const note = await support
    .post(`${ticketPath(a1)}/comments`)
    .field('_csrf', token)
    .field('body', secrets.note)
    .field('internal', 'on')
    .attach('attachments', png(2), { filename: secrets.noteFile, contentType: 'image/png' });
  expect(note.status).toBe(302);

  // A proposal support rejects, with a reason meant for the technician only.
  const proposal = await techAssigned
    .post(`${ticketPath(a1)}/actions/submit_solution`)
    .field('_csrf', await csrfFrom(techAssigned, ticketPath(a1)))
    .field('version', String(await versionOf(techAssigned, a1)))
    .field('solution', secrets.proposal)
    .attach('attachments', png(4), { filename: secrets.proposalFile, contentType: 'image/png' });
  expect(proposal.status).toBe(302);
  expect((await act(support, a1, 'reject_solution', { reason: secrets.rejection })).status).toBe(302);

  const files = await prisma.attachment.findMany({ where: { ticket: { number: a1 } }, orderBy: { id: 'asc' } });
  expect(files.map((file) => [file.originalName, file.isInternal])).toEqual([
    ['foto-sirena.png', false],
    [secrets.noteFile, true],
    [secrets.proposalFile, true],
  ]);
  a1PublicFileId = files[0]?.id as number;
  a1InternalFileId = files[1]?.id as number;
  a1ProposalFileId = files[2]?.id as number;
});
afterAll(async () => {
  await t?.close();
  await rm(uploadDir, { recursive: true, force: true });
});

describe('a client of another organization', () => {
  for (const who of ['client', 'manager'] as const) {
    const agent = () => (who === 'client' ? clientB : managerB);

    it(`(${who}) gets 404 on the ticket page, its history and each of its attachments`, async () => {
      for (const url of [ticketPath(a1), `${ticketPath(a1)}?tab=history`]) {
        const res = await agent().get(url);
        expect(res.status, url).toBe(404);
        expect(res.text).not.toContain(a1Subject);
      }
      // A bare number is first sent to its canonical address, whether the ticket exists or not.
      expect((await agent().get(`/tickets/${a1}`)).headers.location).toBe(ticketPath(a1));
      expect((await agent().get(`/tickets/${a1}`).redirects(1)).status).toBe(404);
      for (const id of [a1PublicFileId, a1InternalFileId, a1ProposalFileId]) {
        const res = await agent().get(`/attachments/${id}`);
        expect(res.status).toBe(404);
        expect(res.headers['content-disposition']).toBeUndefined();
      }
      // The same answer as for a ticket or file that does not exist.
      expect((await agent().get(ticketPath(999_999))).status).toBe(404);
      expect((await agent().get('/attachments/999999')).status).toBe(404);
    });

    it(`(${who}) gets 404 when commenting on it or acting on it, and nothing changes`, async () => {
      const prisma = t.db.prisma;
      const before = {
        comments: await prisma.comment.count(),
        attachments: await prisma.attachment.count(),
        ticket: await prisma.ticket.findUniqueOrThrow({ where: { number: a1 } }),
      };
      const token = await csrfFrom(agent(), '/tickets/new');
      const commented = await agent()
        .post(`${ticketPath(a1)}/comments`)
        .field('_csrf', token)
        .field('body', 'Hola, ¿puedo ver esto?')
        .attach('attachments', png(3), { filename: 'intruso.png', contentType: 'image/png' });
      expect(commented.status).toBe(404);
      expect(commented.text).not.toContain(a1Subject);
      // Invalid input changes nothing in the answer: still "not found", not the ticket's form.
      const empty = await agent()
        .post(`${ticketPath(a1)}/comments`)
        .field('_csrf', token)
        .field('body', '');
      expect(empty.status).toBe(404);
      expect(empty.text).not.toContain(a1Subject);

      const version = String(before.ticket.version);
      for (const [action, fields] of [
        ['cancel', { reason: 'No lo quiero más' }],
        ['confirm', { rating: '1' }],
        ['reopen', { reason: 'Sigue igual' }],
        ['hold', { reason: 'Espero' }],
        ['cancel', {}],
      ] as const) {
        const res = await agent()
          .post(`${ticketPath(a1)}/actions/${action}`)
          .type('form')
          .send({ ...fields, version, _csrf: token });
        expect(res.status, action).toBe(404);
        expect(res.text).not.toContain(a1Subject);
      }
      // Their own organization's ticket answers as usual.
      const own = await agent().get(ticketPath(b1));
      expect(own.status).toBe(200);

      expect(await prisma.comment.count()).toBe(before.comments);
      expect(await prisma.attachment.count()).toBe(before.attachments);
      const after = await prisma.ticket.findUniqueOrThrow({ where: { number: a1 } });
      expect(after.version).toBe(before.ticket.version);
      expect(after.status).toBe(before.ticket.status);
      expect(await filesLeft()).toEqual([]);
    });

    it(`(${who}) never sees it in any list or search`, async () => {
      for (const url of [...listUrls(a1), `/tickets?requesterId=${clientAId}`, '/tickets?tab=open&q=Sirena']) {
        const res = await agent().get(url);
        expect(res.status, url).toBe(200);
        expect(listed(res.text), url).not.toContain(a1);
        expect(res.text, url).not.toContain(a1Subject);
        expect(res.text, url).not.toContain(a2Subject);
        expect(res.text, url).not.toContain('Ana Dueña');
      }
      const mine = await agent().get('/tickets');
      expect(listed(mine.text)).toEqual([b1]);
    });
  }

  it('cannot mark its ticket as a duplicate of theirs (the number is "invalid", as for one that does not exist)', async () => {
    const version = await versionOf(clientB, b1);
    const res = await act(clientB, b1, 'cancel', {
      reason: 'Duplicado',
      duplicateOf: `TKT-${a1}`,
      version: String(version),
    });
    expect(res.status).toBe(422);
    const missing = await act(clientB, b1, 'cancel', {
      reason: 'Duplicado',
      duplicateOf: 'TKT-999999',
      version: String(version),
    });
    expect(missing.status).toBe(422);
    // The same page either way, but for the typed number, the token and the relative times.
    const strip = (html: string) =>
      html
        .replace(/name="_csrf" value="[^"]*"/g, '')
        .replace(/<time [^>]*>[^<]*<\/time>/g, '')
        .replace(/(?:nonce|value)="[^"]*TKT-\d+[^"]*"|nonce="[^"]*"/g, '')
        .replace(/TKT-\d+/g, 'TKT-?');
    expect(strip(res.text)).toBe(strip(missing.text));
    expect(res.text).toContain('Escriba el número de otro ticket existente');
    expect((await t.db.prisma.ticket.findUniqueOrThrow({ where: { number: b1 } })).status).toBe('NEW');
  });
});

describe('clients of the same organization', () => {
  it('a plain client sees only their own tickets', async () => {
    const list = await clientA.get('/tickets');
    expect(listed(list.text)).toEqual([a1]);
    expect(list.text).not.toContain('name="requesterId"');
    const other = await colleagueA.get('/tickets');
    expect(listed(other.text)).toEqual([a2]);
    expect((await colleagueA.get(ticketPath(a1))).status).toBe(404);
    expect((await colleagueA.get(`/attachments/${a1PublicFileId}`)).status).toBe(404);
    // A requester filter or a search does not widen a plain client's scope.
    expect(listed((await colleagueA.get(`/tickets?requesterId=${clientAId}`)).text)).toEqual([]);
    expect(listed((await colleagueA.get(`/tickets?q=TKT-${a1}`)).text)).toEqual([]);
    expect(listed((await colleagueA.get('/tickets?q=Quilmes')).text)).toEqual([]);
  });

  it("the organization's manager sees every ticket of it, and can filter by requester", async () => {
    const list = await managerA.get('/tickets');
    expect(listed(list.text).sort()).toEqual([a1, a2].sort());
    expect(list.text).toContain('name="requesterId"');
    expect(list.text).toContain('Ana Dueña');
    expect(list.text).not.toContain('Beto Ajeno');

    expect(listed((await managerA.get(`/tickets?requesterId=${clientAId}`)).text)).toEqual([a1]);
    expect(listed((await managerA.get(`/tickets?requesterId=${colleagueAId}`)).text)).toEqual([a2]);
    // A colleague's ticket number opens it; another organization's finds nothing.
    expect((await managerA.get(`/tickets?q=TKT-${a2}`)).headers.location).toBe(ticketPath(a2));
    expect(listed((await managerA.get(`/tickets?q=TKT-${b1}`)).text)).toEqual([]);
    expect((await managerA.get(ticketPath(a2))).status).toBe(200);
    expect((await managerA.get(`/attachments/${a1PublicFileId}`)).status).toBe(200);
    expect((await managerA.get(ticketPath(b1))).status).toBe(404);
  });
});

describe('technicians', () => {
  it('one of another department, never assigned, gets 404 on the ticket and its files', async () => {
    expect((await techOther.get(ticketPath(a1))).status).toBe(404);
    expect((await techOther.get(`${ticketPath(a1)}?tab=history`)).status).toBe(404);
    expect((await techOther.get(`/attachments/${a1PublicFileId}`)).status).toBe(404);
    expect((await techOther.get(`/attachments/${a1InternalFileId}`)).status).toBe(404);
    expect((await comment(techOther, a1, 'Hola')).status).toBe(404);
    expect(listed((await techOther.get('/work')).text)).not.toContain(a1);
  });

  it("one of the ticket's department reads it, with no reply form; a comment answers 409", async () => {
    const page = await techDept.get(ticketPath(a1));
    expect(page.status).toBe(200);
    expect(page.text).toContain(a1Subject);
    expect(page.text).not.toContain(`action="${ticketPath(a1)}/comments"`);
    expect(page.text).not.toContain(`action="${ticketPath(a1)}/actions/`);
    const before = await t.db.prisma.comment.count();
    const res = await comment(techDept, a1, 'Yo lo miro');
    expect(res.status).toBe(409);
    const note = await comment(techDept, a1, 'Nota mía', { internal: true });
    expect(note.status).toBe(409);
    expect(await t.db.prisma.comment.count()).toBe(before);
    // Staff read internal files of tickets they may see.
    expect((await techDept.get(`/attachments/${a1InternalFileId}`)).status).toBe(200);
  });

  it('after a reassignment, the previous technician still reads the ticket (assigned before)', async () => {
    const res = await act(support, a1, 'reassign', {
      technicianId: String(techNextId),
      reason: secrets.reassignReason,
    });
    expect(res.status).toBe(302);
    const ticket = await t.db.prisma.ticket.findUniqueOrThrow({
      where: { number: a1 },
      include: { pastAssignees: true },
    });
    expect(ticket.assigneeId).toBe(techNextId);
    expect(ticket.pastAssignees.map((row) => row.userId).sort()).toEqual([techAssignedId, techNextId].sort());

    const page = await techAssigned.get(ticketPath(a1));
    expect(page.status).toBe(200);
    expect(page.text).toContain(a1Subject);
    expect(page.text).not.toContain(`action="${ticketPath(a1)}/comments"`);
    expect((await techAssigned.get(`/attachments/${a1PublicFileId}`)).status).toBe(200);
    expect((await comment(techAssigned, a1, 'Sigo acá')).status).toBe(409);
    expect(listed((await techAssigned.get('/work')).text)).not.toContain(a1);

    const next = await techNext.get(ticketPath(a1));
    expect(next.status).toBe(200);
    expect(next.text).toContain(`action="${ticketPath(a1)}/comments"`);
    expect(listed((await techNext.get('/work')).text)).toContain(a1);
  });
});

describe('internal notes', () => {
  const hidden = [...Object.values(secrets), ...staffOnlyWords];

  it('staff see the note, its file, the rejection and the reassignment reason', async () => {
    const page = await support.get(ticketPath(a1));
    for (const text of Object.values(secrets)) expect(page.text).toContain(text);
    expect(page.text).toContain('Nota interna');
    expect(attachmentLinks(page.text)).toEqual([a1PublicFileId, a1InternalFileId, a1ProposalFileId]);
    const history = await support.get(`${ticketPath(a1)}?tab=history`);
    expect(history.text).toContain('Nota interna');
  });

  for (const who of ['owner', 'manager'] as const) {
    const agent = () => (who === 'owner' ? clientA : managerA);

    it(`(${who}) the ticket page and its history show none of it`, async () => {
      for (const url of [ticketPath(a1), `${ticketPath(a1)}?tab=history`, `${ticketPath(a1)}?tab=conversation`]) {
        const res = await agent().get(url);
        expect(res.status, url).toBe(200);
        expect(res.text, url).toContain(a1Subject);
        for (const text of hidden) expect(res.text, `${url}: ${text}`).not.toContain(text);
        expect(attachmentLinks(res.text), url).not.toContain(a1InternalFileId);
        expect(attachmentLinks(res.text), url).not.toContain(a1ProposalFileId);
      }
      const page = await agent().get(ticketPath(a1));
      expect(page.text).toContain('foto-sirena.png');
      expect(attachmentLinks(page.text)).toEqual([a1PublicFileId]);
    });

    it(`(${who}) lists and searches show none of it`, async () => {
      for (const url of listUrls(a1)) {
        const res = await agent().get(url);
        // Searching the ticket's own number opens its page (checked above), not a list.
        if (/[?&]q=(?:TKT-)?\d+$/.test(decodeURIComponent(url))) {
          expect(res.status, url).toBe(302);
          expect(res.headers.location, url).toBe(ticketPath(a1));
          continue;
        }
        expect(res.status, url).toBe(200);
        for (const text of hidden) expect(res.text, `${url}: ${text}`).not.toContain(text);
      }
      // A word only in the note finds nothing; the subject still finds the ticket.
      const byNote = await agent().get(`/tickets?q=${encodeURIComponent('clave del panel')}`);
      expect(listed(byNote.text)).toEqual([]);
      const bySubject = await agent().get('/tickets?q=Quilmes');
      expect(listed(bySubject.text)).toEqual([a1]);
    });

    it(`(${who}) gets 404 for the note's and the proposal's attachments, 200 for the public one`, async () => {
      for (const id of [a1InternalFileId, a1ProposalFileId]) {
        const internal = await agent().get(`/attachments/${id}`);
        expect(internal.status).toBe(404);
        expect(internal.headers['content-disposition']).toBeUndefined();
        expect(internal.text).not.toContain(secrets.noteFile);
        expect(internal.text).not.toContain(secrets.proposalFile);
      }
      expect((await agent().get(`/attachments/${a1PublicFileId}`)).status).toBe(200);
    });
  }

  it('a refused reply re-renders the page for the client without the notes either', async () => {
    const res = await comment(clientA, a1, '');
    expect(res.status).toBe(422);
    for (const text of hidden) expect(res.text, text).not.toContain(text);
  });

  it('staff download the internal files', async () => {
    for (const agent of [support, techNext, techAssigned, techDept]) {
      const note = await agent.get(`/attachments/${a1InternalFileId}`);
      expect(note.status).toBe(200);
      expect(note.headers['content-disposition']).toContain(secrets.noteFile);
      const proposal = await agent.get(`/attachments/${a1ProposalFileId}`);
      expect(proposal.status).toBe(200);
      expect(proposal.headers['content-disposition']).toContain(secrets.proposalFile);
    }
  });
});
