// Ticket search in the three lists (support's queue, a client's tickets, a technician's work):
// languages and accents, comments, ranking, safe highlights, ticket numbers, typos and fragments,
// keyset pages, and above all who may find what.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateLimit } from '../../src/tickets/ticket-search.js';
import { type Agent, createTestApp, loginAs, type TestApp } from '../helpers/app.js';
import { createDepartment, createOrganization, createUser } from '../helpers/factories.js';

let t: TestApp;
let support: Agent;
let clientA: Agent;
let clientB: Agent;
let techInDept: Agent;
let techOutside: Agent;
let ids: { supportId: number; clientAId: number; clientBId: number; techInDeptId: number; techOutsideId: number };
let deptId: number;

/** Ticket numbers a results page links to. */
const listed = (html: string) => [
  ...new Set([...html.matchAll(/href="\/tickets\/TKT-(\d+)"/g)].map((m) => Number(m[1]))),
];
const search = (agent: Agent, path: string, q: string) => agent.get(path).query({ q });
/** The words of a text as a person would type them (no punctuation). */
const wordsOf = (text: string) => [...new Set(text.split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0))];

async function ticket(
  data: {
    subject: string;
    description?: string;
    requesterId?: number;
    departmentId?: number | null;
    assigneeId?: number | null;
    createdAt?: Date;
  } = { subject: 'x' },
) {
  const requesterId = data.requesterId ?? ids.clientAId;
  const requester = await t.db.prisma.user.findUniqueOrThrow({ where: { id: requesterId } });
  return t.db.prisma.ticket.create({
    data: {
      subject: data.subject,
      description: data.description ?? 'Sin más detalles.',
      requesterId,
      organizationId: requester.organizationId,
      createdById: requesterId,
      departmentId: data.departmentId ?? null,
      assigneeId: data.assigneeId ?? null,
      status: data.assigneeId ? 'ASSIGNED' : 'NEW',
      createdAt: data.createdAt,
    },
  });
}

beforeAll(async () => {
  t = await createTestApp();
  const { prisma } = t.db;
  deptId = (await createDepartment(prisma, 'Seguridad electrónica')).id;
  const orgA = await createOrganization(prisma, { name: 'Org A' });
  const orgB = await createOrganization(prisma, { name: 'Org B' });
  const supportUser = await createUser(prisma, { role: 'SUPPORT', name: 'Sara Soporte' });
  const a = await createUser(prisma, { role: 'CLIENT', name: 'Ana Cliente', organizationId: orgA.id });
  const b = await createUser(prisma, { role: 'CLIENT', name: 'Beto Ajeno', organizationId: orgB.id });
  const techIn = await createUser(prisma, { role: 'TECHNICIAN', name: 'Tito Dentro' });
  const techOut = await createUser(prisma, { role: 'TECHNICIAN', name: 'Tomás Fuera' });
  await prisma.userDepartment.create({ data: { userId: techIn.id, departmentId: deptId } });
  ids = {
    supportId: supportUser.id,
    clientAId: a.id,
    clientBId: b.id,
    techInDeptId: techIn.id,
    techOutsideId: techOut.id,
  };
  support = await loginAs(t.app, supportUser.email);
  clientA = await loginAs(t.app, a.email);
  clientB = await loginAs(t.app, b.email);
  techInDept = await loginAs(t.app, techIn.email);
  techOutside = await loginAs(t.app, techOut.email);
});
afterAll(async () => {
  await t.close();
});

describe('words', () => {
  it('finds "Cámaras" with "camara" (accents ignored, Spanish stemming) and marks the word', async () => {
    const { number } = await ticket({ subject: 'Las Cámaras del depósito no graban' });
    const res = await search(clientA, '/tickets', 'camara');
    expect(res.status).toBe(200);
    expect(listed(res.text)).toContain(number);
    expect(res.text).toContain('<mark>Cámaras</mark>');
  });

  it('stems English and Portuguese words', async () => {
    const english = await ticket({ subject: 'The printers stopped working after the update' });
    const portuguese = await ticket({ subject: 'As impressoras não funcionam desde ontem' });
    expect(listed((await search(support, '/queue', 'printer')).text)).toContain(english.number);
    expect(listed((await search(support, '/queue', 'impressora')).text)).toContain(portuguese.number);
    expect(listed((await search(support, '/queue', 'nao funciona')).text)).toContain(portuguese.number);
  });

  it('finds a ticket by a word of one of its comments, and quotes the comment', async () => {
    const { id, number } = await ticket({ subject: 'Consulta general', description: 'Nada en particular.' });
    await t.db.prisma.comment.create({
      data: { ticketId: id, authorId: ids.supportId, body: 'Cambiamos la fuente de alimentación del rack.' },
    });
    const res = await search(clientA, '/tickets', 'alimentacion');
    expect(listed(res.text)).toEqual([number]);
    expect(res.text).toContain('<mark>alimentación</mark>');
  });

  it('ranks a subject match above a newer ticket that only mentions the word in its description', async () => {
    const inSubject = await ticket({
      subject: 'Teclado inalámbrico sin respuesta',
      createdAt: new Date(Date.now() - 86_400_000),
    });
    const inDescription = await ticket({
      subject: 'Puesto de la recepción',
      description: 'El teclado a veces falla, pero lo principal es el monitor.',
    });
    const found = listed((await search(support, '/queue', 'teclado')).text);
    expect(found.indexOf(inSubject.number)).toBeGreaterThanOrEqual(0);
    expect(found.indexOf(inSubject.number)).toBeLessThan(found.indexOf(inDescription.number));
  });

  it('shows a subject with markup as text, with the highlight around the word only', async () => {
    const { number } = await ticket({ subject: '<script>alert(1)</script> pantalla rota <b>' });
    const res = await search(support, '/queue', 'pantalla');
    expect(listed(res.text)).toContain(number);
    expect(res.text).not.toContain('<script>alert(1)');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; <mark>pantalla</mark> rota &lt;b&gt;');
  });
});

describe('ticket numbers', () => {
  it('jump to the ticket when the searcher may see it (TKT-n or n)', async () => {
    const { number } = await ticket({ subject: 'Salto directo' });
    for (const q of [`TKT-${number}`, String(number), `tkt-${number}`]) {
      const res = await search(support, '/queue', q);
      expect(res.status, q).toBe(302);
      expect(res.headers.location).toBe(`/tickets/TKT-${number}`);
    }
    const own = await search(clientA, '/tickets', `TKT-${number}`);
    expect(own.status).toBe(302);
    expect(own.headers.location).toBe(`/tickets/TKT-${number}`);
  });

  it("are not found when the ticket is someone else's", async () => {
    const { number } = await ticket({ subject: 'Número ajeno' });
    for (const q of [`TKT-${number}`, String(number)]) {
      const res = await search(clientB, '/tickets', q);
      expect(res.status, q).toBe(200);
      expect(listed(res.text), q).toEqual([]);
      expect(res.text).not.toContain('Número ajeno');
    }
    const tech = await search(techOutside, '/work', `TKT-${number}`);
    expect(tech.status).toBe(200);
    expect(listed(tech.text)).toEqual([]);
  });
});

describe('typos and fragments (trigrams on the subject)', () => {
  it('finds "Cámaras" with the typo "camra"', async () => {
    const { number } = await ticket({ subject: 'Cámaras exteriores empañadas' });
    const res = await search(support, '/queue', 'camra');
    expect(listed(res.text)).toContain(number);
  });

  it('finds a word by a fragment of it, marked', async () => {
    const { number } = await ticket({ subject: 'Reemplazo del termostato de la sala' });
    const res = await search(support, '/queue', 'mosta');
    expect(listed(res.text)).toEqual([number]);
    expect(res.text).toContain('ter<mark>mosta</mark>to de la sala');
  });
});

describe('pages', () => {
  it('walks every result once with the "more results" link, and says when results are limited', async () => {
    const base = Date.now() - 3_600_000;
    await t.db.prisma.ticket.createMany({
      data: Array.from({ length: candidateLimit + 10 }, (_, i) => ({
        subject: `Paginado de prueba ${i}`,
        description: i % 2 ? 'Texto paginado.' : 'Otro texto.',
        requesterId: ids.clientBId,
        createdById: ids.clientBId,
        createdAt: new Date(base + i * 1000),
      })),
    });
    const seen: number[] = [];
    let res = await search(support, '/queue', 'paginado');
    expect(res.text).toContain('alert alert-info py-2 search-limited');
    for (let pages = 0; pages < 20; pages++) {
      seen.push(...listed(res.text));
      const query = /rel="next" href="\?([^"]+)"/.exec(res.text)?.[1];
      if (!query) break;
      res = await support.get(`/queue?${query.replace(/&amp;/g, '&')}`);
      expect(res.status).toBe(200);
    }
    expect(seen.length).toBe(candidateLimit);
    expect(new Set(seen).size).toBe(candidateLimit);
  });
});

describe('who finds what', () => {
  let aTicket: { id: number; number: number };
  let bTicket: { id: number; number: number };
  const note = 'Nota interna: revisar garantía vencida, cobrar visita al cliente moroso';
  const bSubject = 'Portón corredizo trabado';
  const bDescription = 'El motor del portón zumba pero la hoja no se mueve desde el sábado.';

  beforeAll(async () => {
    aTicket = await ticket({ subject: 'Alarma perimetral', description: 'Salta sola de madrugada.' });
    await t.db.prisma.comment.create({
      data: { ticketId: aTicket.id, authorId: ids.supportId, body: note, isInternal: true },
    });
    bTicket = await ticket({ subject: bSubject, description: bDescription, requesterId: ids.clientBId });
  });

  it("a client never finds another client's ticket, by any of its words", async () => {
    for (const word of wordsOf(`${bSubject} ${bDescription}`)) {
      for (const tab of ['open', 'resolved', 'closed']) {
        const res = await clientA.get('/tickets').query({ q: word, tab });
        expect(res.status, word).toBe(200);
        expect(listed(res.text), word).not.toContain(bTicket.number);
        expect(res.text, word).not.toContain(bSubject);
      }
    }
    // The owner does find it.
    expect(listed((await search(clientB, '/tickets', 'corredizo')).text)).toEqual([bTicket.number]);
  });

  it("a client never finds a ticket through an internal note's words, nor sees the note", async () => {
    const publicWords = new Set(wordsOf('Alarma perimetral Salta sola de madrugada').map((w) => w.toLowerCase()));
    for (const word of wordsOf(note).filter((w) => !publicWords.has(w.toLowerCase()))) {
      const res = await search(clientA, '/tickets', word);
      expect(res.status, word).toBe(200);
      expect(listed(res.text), word).not.toContain(aTicket.number);
      expect(res.text, word).not.toContain('cliente moroso');
      expect(res.text, word).not.toContain('garantía vencida');
    }
    // Staff find it by the note, and see the quote.
    const staff = await search(support, '/queue', 'moroso');
    expect(listed(staff.text)).toEqual([aTicket.number]);
    expect(staff.text).toContain('<mark>moroso</mark>');
  });

  it('a technician finds only within their scope (assigned, once assigned, their departments)', async () => {
    const inDept = await ticket({ subject: 'Sirena exterior muda', departmentId: deptId });
    const assigned = await ticket({ subject: 'Sirena interior muda', assigneeId: ids.techOutsideId });
    const elsewhere = await ticket({ subject: 'Sirena del garaje muda' });
    const past = await ticket({ subject: 'Sirena del patio muda' });
    await t.db.prisma.ticketAssigneeHistory.create({ data: { ticketId: past.id, userId: ids.techOutsideId } });

    const inside = listed((await search(techInDept, '/work', 'sirena')).text);
    expect(inside.sort()).toEqual([inDept.number]);
    const outside = listed((await search(techOutside, '/work', 'sirena')).text);
    expect(outside.sort()).toEqual([assigned.number, past.number].sort());
    expect(outside).not.toContain(elsewhere.number);
    const all = listed((await search(support, '/queue', 'sirena')).text);
    expect(all.sort()).toEqual([inDept.number, assigned.number, elsewhere.number, past.number].sort());
  });

  it("a client never finds another's ticket when the word is common enough to be walked for", async () => {
    // More matches in the client's scope than the search ranks: it reads their newest tickets
    // instead of the index, and the other client's newer ticket must stay out of it.
    const base = Date.now() - 7_200_000;
    await t.db.prisma.ticket.createMany({
      data: Array.from({ length: candidateLimit + 5 }, (_, i) => ({
        subject: `Baliza intermitente ${i}`,
        description: 'Sin más detalles.',
        requesterId: ids.clientAId,
        createdById: ids.clientAId,
        createdAt: new Date(base + i * 1000),
      })),
    });
    const others = await ticket({ subject: 'Baliza intermitente ajena', requesterId: ids.clientBId });
    const seen: number[] = [];
    let res = await search(clientA, '/tickets', 'baliza');
    for (let pages = 0; pages < 10; pages++) {
      seen.push(...listed(res.text));
      const query = /rel="next" href="\?([^"]+)"/.exec(res.text)?.[1];
      if (!query) break;
      res = await clientA.get(`/tickets?${query.replace(/&amp;/g, '&')}`);
    }
    expect(seen).toHaveLength(candidateLimit);
    expect(seen).not.toContain(others.number);
    expect(listed((await search(clientB, '/tickets', 'baliza')).text)).toEqual([others.number]);
  });

  it('nobody finds a ticket in the bin, by words, typo or number', async () => {
    const deleted = await ticket({ subject: 'Interfono descompuesto en la entrada' });
    await t.db.prisma.ticket.update({
      where: { id: deleted.id },
      data: { deletedAt: new Date(), deletedById: ids.supportId },
    });
    for (const q of ['interfono', 'interfno', 'descompuest', `TKT-${deleted.number}`]) {
      for (const [agent, path] of [
        [support, '/queue'],
        [clientA, '/tickets'],
      ] as const) {
        const res = await search(agent, path, q);
        expect(res.status, q).toBe(200);
        expect(listed(res.text), q).not.toContain(deleted.number);
      }
    }
  });
});
