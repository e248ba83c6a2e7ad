// The benchmark's tickets: the people and reference data through Prisma (a few hundred rows), then
// the tickets themselves with set-based SQL (INSERT … SELECT over generate_series, in chunks,
// through the app's pg pool), so a million rows take minutes, not hours.
//
// Shape of the data (fixed seed, so every run builds the same data):
// - 50 client organizations, 200 clients (the first of each organization is its manager), a few
//   clients filing most tickets; 10 technicians (2 per department), 2 support agents;
// - 5 departments, 7 categories; createdAt spread evenly over the last 730 days, `number`
//   following creation order as the app's sequence does;
// - tickets older than ~36 days are nearly all CLOSED or CANCELLED, the newest 5% hold most open
//   work: overall ~88% CLOSED, ~5% CANCELLED, ~3% waiting on support (NEW, REOPENED,
//   PENDING_VALIDATION), ~3.6% being worked (ASSIGNED, IN_PROGRESS, ON_HOLD), ~0.7% RESOLVED;
// - every ticket has its "created" event; every ticket past NEW has its last status change and
//   a first public reply; 0.05% of the closed ones are in the bin (soft-deleted);
// - queueRank and urgency come from queueRankOf() and urgencyOf(), the counters hold the real
//   per-status counts of live tickets (TicketStatusCount) and each technician's live tickets in the
//   work statuses (TechnicianLoad), and the number sequence continues after the last seeded ticket;
// - two IN_PROGRESS tickets for the ticket-page scenarios: one with 200 comments (a third of them
//   internal notes), 20 events and 6 attachments, one with 2 comments.
import type pg from 'pg';
import type { Database } from '../src/db/database.js';
import type { TicketStatus } from '../src/generated/prisma/enums.js';
import { priorities, queueRankOf, ticketStatuses, urgencyOf } from '../src/tickets/ticket-lifecycle.js';
import { workStatuses } from '../src/tickets/ticket-statuses.js';
import { ASCII, firstNames, lastNames } from './names.js';

const ORGANIZATIONS = 50;
const CLIENTS = 200;
const TECHNICIANS_PER_DEPARTMENT = 2;
const CHUNK = 100_000;

const departments = [
  'Soporte técnico',
  'Redes y comunicaciones',
  'Seguridad electrónica',
  'Servicio de campo',
  'Administración',
];
// [category, index into departments]
const categories: [string, number][] = [
  ['Hardware y periféricos', 0],
  ['Software y accesos', 0],
  ['Conectividad', 1],
  ['Cámaras y CCTV', 2],
  ['Alarmas y monitoreo', 2],
  ['Instalaciones y visitas', 3],
  ['Facturación', 4],
];
// Cumulative share of tickets per category (same order).
const categoryShare = [0.22, 0.47, 0.62, 0.74, 0.84, 0.92, 1];
const categoryCase = `CASE ${categoryShare
  .slice(0, -1)
  .map((share, i) => `WHEN r_category < ${share} THEN ${i + 1}`)
  .join(' ')} ELSE ${categoryShare.length} END`;

const subjects = [
  'La impresora de recepción no imprime',
  'No puedo acceder al sistema de gestión',
  'Cámara del depósito sin imagen',
  'Alarma se dispara sola por la noche',
  'Internet muy lento en la oficina',
  'Solicito visita técnica para revisar sensores',
  'Error al emitir factura electrónica',
  'Cambio de contraseña del correo',
  'El grabador de video no guarda las grabaciones',
  'Teclado de la alarma no responde',
  'Sin conexión a la VPN desde casa',
  'Notebook no enciende',
  'Consulta por el último resumen de cuenta',
  'Corte de enlace en la sucursal',
  'Agregar usuario nuevo al control de acceso',
  'Pantalla azul al iniciar Windows',
  'El portón no abre con el control remoto',
  'Instalar software contable en la PC nueva',
  'Detector de humo con batería baja',
  'Wi-Fi de la sala de reuniones se desconecta',
];
const descriptions = [
  'Desde esta mañana el equipo dejó de funcionar. Ya lo reiniciamos dos veces y el problema sigue. Es urgente porque afecta la atención al público. Quedo atento a la visita o a las indicaciones para resolverlo.',
  'Les escribo porque el problema volvió a aparecer después del último arreglo. Pasa sobre todo a la tarde, cuando hay más gente trabajando. Adjunto los datos que pude juntar. Gracias por la ayuda.',
  'El personal de la sucursal reporta que no funciona desde el fin de semana. No tocamos nada de la configuración. Por favor, avisen si necesitan que alguien esté presente para abrirles el local.',
  'Necesitamos resolverlo antes del cierre de mes. Probamos con otro usuario y pasa lo mismo, así que parece algo general. Pueden llamarme al interno 214 en horario de oficina.',
  'Buen día. Les pido revisar este tema cuando puedan; no es crítico pero molesta bastante en el día a día. Si hace falta coordinar una visita, los martes y jueves hay alguien de mantenimiento.',
];
const replies = [
  'Hola, recibimos tu pedido y ya lo estamos revisando. Te aviso apenas tenga novedades.',
  'Probamos de forma remota y parece un problema de configuración. ¿Podés confirmar si ahora funciona?',
  'Coordinamos la visita para mañana entre las 9 y las 12. Por favor confirmá que habrá alguien en el lugar.',
  'Gracias por los datos. Lo derivamos al equipo de campo para reemplazar la pieza.',
];

const statusMix = {
  // The newest 5% of tickets (the last ~36 days).
  recent: {
    NEW: 0.2,
    REOPENED: 0.04,
    PENDING_VALIDATION: 0.1,
    ASSIGNED: 0.1,
    IN_PROGRESS: 0.16,
    ON_HOLD: 0.08,
    RESOLVED: 0.1,
    CANCELLED: 0.03,
    CLOSED: 0.19,
  },
  // Everything older: nearly all final, a long tail of forgotten open tickets.
  older: {
    NEW: 0.005,
    REOPENED: 0.003,
    PENDING_VALIDATION: 0.004,
    ASSIGNED: 0.005,
    IN_PROGRESS: 0.008,
    ON_HOLD: 0.007,
    RESOLVED: 0.002,
    CANCELLED: 0.05,
    CLOSED: 0.916,
  },
} satisfies Record<string, Record<TicketStatus, number>>;

/** CASE over a uniform random `r` picking a status with the given shares. */
function statusCase(mix: Record<TicketStatus, number>, r: string): string {
  let cumulative = 0;
  const arms = Object.entries(mix).map(([status, share]) => {
    cumulative += share;
    return `WHEN ${r} < ${cumulative.toFixed(6)} THEN '${status}'`;
  });
  return `CASE ${arms.slice(0, -1).join(' ')} ELSE '${Object.keys(mix).at(-1)}' END`;
}

// The sort keys, generated from the app's own functions so they can never disagree.
const queueRankCase = `CASE status ${ticketStatuses.map((s) => `WHEN '${s}' THEN ${queueRankOf(s)}`).join(' ')} END`;
const urgencyCase = `CASE priority ${priorities.map((p) => `WHEN '${p}' THEN ${urgencyOf(p)}`).join(' ')} END`;
// The last transition into each status, for the history tab: [action, from].
const lastTransition: Partial<Record<TicketStatus, [string, TicketStatus]>> = {
  ASSIGNED: ['assign', 'NEW'],
  IN_PROGRESS: ['start', 'ASSIGNED'],
  ON_HOLD: ['hold', 'IN_PROGRESS'],
  PENDING_VALIDATION: ['submit_solution', 'IN_PROGRESS'],
  RESOLVED: ['approve_solution', 'PENDING_VALIDATION'],
  CLOSED: ['close', 'RESOLVED'],
  REOPENED: ['reopen', 'CLOSED'],
  CANCELLED: ['cancel', 'NEW'],
};
const transitionCase = (index: 0 | 1) =>
  `CASE status ${Object.entries(lastTransition)
    .map(([status, pair]) => `WHEN '${status}' THEN '${pair[index]}'`)
    .join(' ')} END`;

// One chunk of tickets g = $1 … $2 out of $3. Every random draw is its own column of `s`, so each
// is taken once per row (volatile functions keep the subqueries from being flattened).
const insertTickets = `
WITH s AS (
  SELECT g,
    $12::timestamp(3) - interval '730 days' + (g - 1 + random()) * (interval '730 days' / $3::int) AS created,
    ($3::int - g)::float8 / $3::int < 0.05 AS recent,
    random() AS r_status, random() AS r_priority, random() AS r_category, random() AS r_client,
    random() AS r_tech, random() AS r_anytech, random() AS r_unassigned, random() AS r_channel,
    random() AS r_subject, random() AS r_respond, random() AS r_resolve, random() AS r_close,
    random() AS r_rating, random() AS r_bin
  FROM generate_series($1::int, $2::int) AS g
), a AS (
  SELECT s.*,
    (CASE WHEN recent THEN ${statusCase(statusMix.recent, 'r_status')}
          ELSE ${statusCase(statusMix.older, 'r_status')} END)::"TicketStatus" AS status,
    (CASE WHEN r_priority < 0.08 THEN 'CRITICAL' WHEN r_priority < 0.30 THEN 'HIGH'
          WHEN r_priority < 0.75 THEN 'MEDIUM' ELSE 'LOW' END)::"Priority" AS priority,
    ${categoryCase} AS category,
    1 + floor(cardinality($4::int[]) * power(r_client, 1.6))::int AS client,
    (CASE WHEN r_channel < 0.65 THEN 'WEB' WHEN r_channel < 0.80 THEN 'EMAIL'
          WHEN r_channel < 0.95 THEN 'PHONE' ELSE 'API' END)::"Channel" AS channel
  FROM s
), b AS (
  SELECT a.*,
    CASE WHEN status = 'NEW' AND r_unassigned < 0.3 THEN NULL ELSE category END AS cat,
    CASE
      WHEN status = 'NEW' THEN NULL
      WHEN status = 'CANCELLED' AND r_unassigned < 0.7 THEN NULL
      WHEN status IN ('CLOSED', 'RESOLVED') AND r_unassigned < 0.15 THEN NULL
      WHEN r_anytech < 0.15 THEN ($9::int[])[1 + floor(r_tech * cardinality($9::int[]))::int]
      ELSE ($9::int[])[${TECHNICIANS_PER_DEPARTMENT} * (($8::int[])[category] - 1) + 1 + floor(r_tech * ${TECHNICIANS_PER_DEPARTMENT})::int]
    END AS assignee,
    CASE WHEN status <> 'NEW'
      THEN least(created + interval '10 minutes' + r_respond * interval '8 hours', $12::timestamp(3)) END AS responded,
    CASE WHEN status IN ('RESOLVED', 'CLOSED')
      THEN least(created + interval '1 hour' + r_resolve * r_resolve * interval '10 days', $12::timestamp(3)) END AS resolved
  FROM a
), c AS (
  SELECT b.*,
    CASE
      WHEN status = 'CLOSED' THEN least(resolved + r_close * interval '5 days', $12::timestamp(3))
      WHEN status = 'CANCELLED' THEN least(created + r_close * interval '3 days', $12::timestamp(3))
    END AS closed,
    CASE WHEN status = 'ON_HOLD' THEN created + ($12::timestamp(3) - created) * (0.5 + r_close / 2) END AS held
  FROM b
)
INSERT INTO "Ticket" ("number", "subject", "description", "status", "queueRank", "priority", "urgency", "channel",
  "categoryId", "departmentId", "requesterId", "organizationId", "assigneeId", "createdById", "solution",
  "holdReason", "onHoldSince", "cancelReason", "rating", "version", "firstResponseAt", "resolvedAt", "closedAt",
  "deletedAt", "deletedById", "createdAt", "updatedAt")
SELECT
  1000 + g,
  ($10::text[])[1 + floor(r_subject * cardinality($10::text[]))::int] || ' (sucursal ' || (1 + g % 37) || ')',
  ($11::text[])[1 + g % cardinality($11::text[])],
  status,
  ${queueRankCase},
  priority,
  ${urgencyCase},
  channel,
  ($6::int[])[cat],
  ($7::int[])[cat],
  ($4::int[])[client],
  ($5::int[])[client],
  assignee,
  CASE WHEN channel = 'PHONE' THEN $13::int ELSE ($4::int[])[client] END,
  CASE WHEN status IN ('PENDING_VALIDATION', 'RESOLVED', 'CLOSED')
    THEN 'Se reemplazó el componente defectuoso y se verificó el funcionamiento con el cliente.' END,
  CASE WHEN status = 'ON_HOLD' THEN 'Esperando que el cliente confirme un horario para la visita.' END,
  held,
  CASE WHEN status = 'CANCELLED' THEN 'El cliente informa que ya no es necesario.' END,
  CASE WHEN status = 'CLOSED' AND r_rating < 0.3 THEN 3 + floor(r_rating * 10)::int % 3 END,
  CASE status WHEN 'NEW' THEN 1 WHEN 'CANCELLED' THEN 2 WHEN 'ASSIGNED' THEN 2 WHEN 'IN_PROGRESS' THEN 3
    WHEN 'ON_HOLD' THEN 4 WHEN 'PENDING_VALIDATION' THEN 4 WHEN 'RESOLVED' THEN 5 WHEN 'CLOSED' THEN 6 ELSE 7 END,
  responded,
  resolved,
  closed,
  CASE WHEN status IN ('CLOSED', 'CANCELLED') AND r_bin < 0.0005 THEN least(closed + interval '1 day', $12::timestamp(3)) END,
  CASE WHEN status IN ('CLOSED', 'CANCELLED') AND r_bin < 0.0005 THEN $14::int END,
  created,
  greatest(created, responded, resolved, closed, held)
FROM c`;

// What the rules of the search_ticket_comment_words migration would have written, in one pass each.
const searchWords = `
INSERT INTO "SearchWord" ("word")
SELECT DISTINCT w FROM "Ticket" t,
       unnest(tsvector_to_array(to_tsvector('simple'::regconfig, public.search_fold(t."subject")))) AS w
 WHERE length(w) >= 3
ON CONFLICT DO NOTHING`;
export const commentWords = `
UPDATE "Ticket" t SET "commentsVector" = w."commentsVector", "notesVector" = w."notesVector"
  FROM (SELECT "ticketId",
               CASE WHEN bool_or(NOT "isInternal") THEN public.search_vector(
                 string_agg("body", E'\\n' ORDER BY "id") FILTER (WHERE NOT "isInternal")) END AS "commentsVector",
               CASE WHEN bool_or("isInternal") THEN public.search_vector(
                 string_agg("body", E'\\n' ORDER BY "id") FILTER (WHERE "isInternal")) END AS "notesVector"
          FROM "Comment" GROUP BY "ticketId") w
 WHERE w."ticketId" = t."id"`;

export type TicketSeed = {
  supportEmail: string;
  clientEmail: string;
  managerEmail: string;
  technicianEmail: string;
  bigTicket: { number: number; comments: number; events: number; attachments: number };
  smallTicket: { number: number; comments: number; events: number; attachments: number };
  departmentId: number;
  statusCounts: Record<string, number>;
  rows: { tickets: number; comments: number; events: number };
  timings: string[];
};

async function timed<T>(timings: string[], label: string, work: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const result = await work();
  timings.push(`${label} ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
}

/** People, reference data and `total` tickets; every password is `passwordHash`'s. */
export async function seedTickets(
  db: Database,
  total: number,
  passwordHash: string,
  adminId: number,
  progress: (line: string) => void,
): Promise<TicketSeed> {
  const { prisma } = db;
  const timings: string[] = [];
  const now = new Date();
  const person = (i: number) => {
    const first = firstNames[(i * 7 + 3) % firstNames.length] as string;
    const last = lastNames[(i * 11 + 5) % lastNames.length] as string;
    return { first, last, name: `${first} ${last}` };
  };

  // ---- people and reference data (Prisma) ----
  const departmentIds: number[] = [];
  for (const name of departments) departmentIds.push((await prisma.department.create({ data: { name } })).id);
  const categoryIds: number[] = [];
  for (const [name, department] of categories) {
    const row = await prisma.category.create({ data: { name, departmentId: departmentIds[department] as number } });
    categoryIds.push(row.id);
  }
  const organizationIds: number[] = [];
  for (let i = 0; i < ORGANIZATIONS; i++) {
    const last = lastNames[i % lastNames.length] as string;
    const org = await prisma.organization.create({
      data: {
        name: `${last} y Asociados ${i + 1} S.R.L.`,
        phone: `+54 11 4${String(100_000 + i * 731).padStart(6, '0')}`,
        address: `Av. Corrientes ${1000 + i * 17}, CABA`,
      },
    });
    organizationIds.push(org.id);
  }
  const makeUser = (email: string, name: string, role: 'CLIENT' | 'TECHNICIAN' | 'SUPPORT', extra = {}) => ({
    email,
    name,
    role,
    passwordHash,
    emailVerifiedAt: new Date(),
    phone: '+54 9 11 5555-0000',
    ...extra,
  });
  await prisma.user.createMany({
    data: Array.from({ length: CLIENTS }, (_, i) => {
      const p = person(i);
      return makeUser(`${ASCII(p.first)}.${ASCII(p.last)}.cliente${i + 1}@tickets.bench.example`, p.name, 'CLIENT', {
        organizationId: organizationIds[i % ORGANIZATIONS] as number,
        isOrgManager: i < ORGANIZATIONS,
      });
    }),
  });
  const technicianCount = departments.length * TECHNICIANS_PER_DEPARTMENT;
  await prisma.user.createMany({
    data: [
      ...Array.from({ length: technicianCount }, (_, i) => {
        const p = person(1000 + i);
        return makeUser(`tecnico${i + 1}@tickets.bench.example`, `${p.name} (técnico)`, 'TECHNICIAN');
      }),
      makeUser('soporte1@tickets.bench.example', 'Mesa de Ayuda Uno', 'SUPPORT'),
      makeUser('soporte2@tickets.bench.example', 'Mesa de Ayuda Dos', 'SUPPORT'),
    ],
  });
  const people = await prisma.user.findMany({
    where: { email: { endsWith: '@tickets.bench.example' } },
    select: { id: true, email: true, role: true, organizationId: true },
    orderBy: { id: 'asc' },
  });
  const clients = people.filter((u) => u.role === 'CLIENT');
  const technicians = people.filter((u) => u.role === 'TECHNICIAN');
  const support = people.filter((u) => u.role === 'SUPPORT');
  // Technicians 2d and 2d+1 belong to department d: the assignee lookup in the SQL relies on it.
  await prisma.userDepartment.createMany({
    data: technicians.map((tech, i) => ({
      userId: tech.id,
      departmentId: departmentIds[Math.floor(i / TECHNICIANS_PER_DEPARTMENT)] as number,
    })),
  });

  // ---- tickets (set-based SQL through the pool, one connection so the seed is repeatable) ----
  const conn: pg.PoolClient = await db.pool.connect();
  try {
    await conn.query('SELECT setseed(0.4242)');
    // The search's rules (search_ticket_comment_words migration) keep subject words and comment
    // words row by row, right for the app but slow for a million rows (and they refuse the WITH of
    // the ticket insert): off while seeding, the same words set-based at the end (searchWords).
    await conn.query('ALTER TABLE "Ticket" DISABLE RULE "Ticket_subject_words"');
    await conn.query('ALTER TABLE "Comment" DISABLE RULE "Comment_ticket_words"');
    await timed(timings, `tickets (${total})`, async () => {
      for (let from = 1; from <= total; from += CHUNK) {
        const to = Math.min(total, from + CHUNK - 1);
        await conn.query(insertTickets, [
          from,
          to,
          total,
          clients.map((u) => u.id),
          clients.map((u) => u.organizationId),
          categoryIds,
          categories.map(([, d]) => departmentIds[d]),
          categories.map(([, d]) => d + 1),
          technicians.map((u) => u.id),
          subjects,
          descriptions,
          now.toISOString(),
          support[0]?.id,
          adminId,
        ]);
        if (total > CHUNK) progress(`  tickets ${to}/${total}`);
      }
    });
    await timed(timings, 'assignee history', () =>
      conn.query(`INSERT INTO "TicketAssigneeHistory" ("ticketId", "userId")
        SELECT "id", "assigneeId" FROM "Ticket" WHERE "assigneeId" IS NOT NULL`),
    );
    await timed(timings, 'events', async () => {
      await conn.query(`INSERT INTO "TicketEvent" ("ticketId", "actorId", "type", "to", "data", "createdAt")
        SELECT "id", "createdById", 'created', 'NEW', jsonb_build_object('channel', "channel"), "createdAt" FROM "Ticket"`);
      await conn.query(
        `INSERT INTO "TicketEvent" ("ticketId", "actorId", "type", "action", "from", "to", "createdAt")
        SELECT "id", CASE WHEN "status" IN ('IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION') THEN "assigneeId" ELSE $1::int END,
          'status', ${transitionCase(0)}, ${transitionCase(1)}, "status"::text,
          greatest("createdAt", "firstResponseAt", "resolvedAt", "closedAt", "onHoldSince")
        FROM "Ticket" WHERE "status" <> 'NEW'`,
        [support[0]?.id],
      );
    });
    await timed(timings, 'comments', () =>
      conn.query(
        `INSERT INTO "Comment" ("ticketId", "authorId", "body", "isInternal", "createdAt")
        SELECT "id", coalesce("assigneeId", $1::int), ($2::text[])[1 + "id" % cardinality($2::text[])], false, "firstResponseAt"
        FROM "Ticket" WHERE "firstResponseAt" IS NOT NULL`,
        [support[0]?.id, replies],
      ),
    );

    // The two conversation tickets: recent IN_PROGRESS tickets with an assignee and a requester
    // who is not an organization manager, rebuilt with exactly the comments and events wanted.
    const picks = await conn.query<{ id: number; number: number; requesterId: number; assigneeId: number }>(
      `SELECT t."id", t."number", t."requesterId", t."assigneeId" FROM "Ticket" t JOIN "User" u ON u."id" = t."requesterId"
       WHERE t."status" = 'IN_PROGRESS' AND t."deletedAt" IS NULL AND NOT u."isOrgManager"
       ORDER BY t."id" DESC LIMIT 2`,
    );
    const [big, small] = picks.rows;
    if (!big || !small) throw new Error('Too few IN_PROGRESS tickets to pick the conversation tickets from');
    await conn.query('DELETE FROM "Comment" WHERE "ticketId" = ANY($1::int[])', [[big.id, small.id]]);
    await conn.query('DELETE FROM "TicketEvent" WHERE "ticketId" = ANY($1::int[])', [[big.id, small.id]]);
    const supportId = support[0]?.id as number;
    // 200 comments, one every 2 hours before now: client, assignee and support in turn; every third an internal note.
    await conn.query(
      `INSERT INTO "Comment" ("ticketId", "authorId", "body", "isInternal", "createdAt")
       SELECT $1::int, CASE i % 3 WHEN 0 THEN $2::int WHEN 1 THEN $3::int ELSE $4::int END,
         'bench-comment-' || i || ': ' || ($5::text[])[1 + i % cardinality($5::text[])] || E'\n' || repeat('Detalle adicional del seguimiento. ', 1 + i % 6),
         i % 3 = 2, $6::timestamp(3) - (201 - i) * interval '2 hours'
       FROM generate_series(1, 200) AS i`,
      [big.id, big.requesterId, big.assigneeId, supportId, replies, now.toISOString()],
    );
    await conn.query(
      `INSERT INTO "Comment" ("ticketId", "authorId", "body", "isInternal", "createdAt")
       VALUES ($1, $2, 'bench-comment-1: ' || $4, false, $5::timestamp(3) - interval '3 hours'),
              ($1, $3, 'bench-comment-2: ' || $6, false, $5::timestamp(3) - interval '1 hour')`,
      [small.id, small.requesterId, small.assigneeId, replies[0], now.toISOString(), replies[1]],
    );
    for (const ticket of [big, small]) {
      // created, assign, assigned, start; a priority change; hold/resume pairs; a priority change.
      const count = ticket === big ? 20 : 4;
      await conn.query(
        `INSERT INTO "TicketEvent" ("ticketId", "actorId", "type", "action", "isInternal", "from", "to", "data", "createdAt")
         SELECT $1::int,
           CASE WHEN i = 1 THEN $2::int WHEN i IN (2, 3, 5, 20) THEN $3::int ELSE $4::int END,
           CASE WHEN i = 1 THEN 'created' WHEN i = 3 THEN 'assigned' WHEN i IN (5, 20) THEN 'field' ELSE 'status' END,
           CASE WHEN i IN (1, 3, 5, 20) THEN NULL WHEN i = 2 THEN 'assign' WHEN i = 4 THEN 'start'
                WHEN i % 2 = 0 THEN 'hold' ELSE 'resume' END,
           false,
           CASE WHEN i IN (1, 3) THEN NULL WHEN i = 2 THEN 'NEW' WHEN i = 4 THEN 'ASSIGNED' WHEN i = 5 THEN 'MEDIUM'
                WHEN i = 20 THEN 'HIGH' WHEN i % 2 = 0 THEN 'IN_PROGRESS' ELSE 'ON_HOLD' END,
           CASE WHEN i = 1 THEN 'NEW' WHEN i = 2 THEN 'ASSIGNED' WHEN i = 3 THEN 'Técnico asignado'
                WHEN i = 4 THEN 'IN_PROGRESS' WHEN i = 5 THEN 'HIGH' WHEN i = 20 THEN 'MEDIUM'
                WHEN i % 2 = 0 THEN 'ON_HOLD' ELSE 'IN_PROGRESS' END,
           CASE WHEN i = 1 THEN '{"channel":"WEB"}'::jsonb WHEN i IN (5, 20) THEN '{"field":"priority"}'::jsonb END,
           $5::timestamp(3) - ($6::int + 1 - i) * interval '9 hours'
         FROM generate_series(1, $6::int) AS i`,
        [ticket.id, ticket.requesterId, supportId, ticket.assigneeId, now.toISOString(), count],
      );
    }
    // Attachment rows only (the pages list them; no file is read): 2 on the ticket, 4 on comments.
    await conn.query(
      `INSERT INTO "Attachment" ("ticketId", "commentId", "uploaderId", "isInternal", "originalName", "storageKey", "mimeType", "size", "sha256", "createdAt")
       SELECT $1::int, c."id", c."authorId", c."isInternal", 'captura-' || c.n || '.png', 'bench-' || $1 || '-' || c.n,
         'image/png', 48000 + c.n, repeat('0', 64), c."createdAt"
       FROM (SELECT "id", "authorId", "isInternal", "createdAt", row_number() OVER (ORDER BY "id") AS n
             FROM "Comment" WHERE "ticketId" = $1::int ORDER BY "id" LIMIT 4) c
       UNION ALL
       SELECT $1::int, NULL, $2::int, false, 'foto-equipo-' || i || '.jpg', 'bench-' || $1 || '-t' || i, 'image/jpeg', 350000, repeat('0', 64), $3::timestamp(3)
       FROM generate_series(1, 2) AS i`,
      [big.id, big.requesterId, now.toISOString()],
    );

    await timed(timings, 'search words', async () => {
      await conn.query(searchWords);
      await conn.query(commentWords);
      await conn.query('ALTER TABLE "Ticket" ENABLE RULE "Ticket_subject_words"');
      await conn.query('ALTER TABLE "Comment" ENABLE RULE "Comment_ticket_words"');
    });
    await timed(timings, 'counters and sequence', async () => {
      await conn.query(`UPDATE "TicketStatusCount" c SET "count" =
        (SELECT count(*) FROM "Ticket" t WHERE t."status" = c."status" AND t."deletedAt" IS NULL)`);
      await conn.query('DELETE FROM "TechnicianLoad"');
      await conn.query(
        `INSERT INTO "TechnicianLoad" ("userId", "openCount")
         SELECT "assigneeId", count(*)::int FROM "Ticket"
         WHERE "assigneeId" IS NOT NULL AND "deletedAt" IS NULL AND "status" = ANY($1::"TicketStatus"[])
         GROUP BY "assigneeId"`,
        [[...workStatuses]],
      );
      await conn.query(
        `SELECT setval(pg_get_serial_sequence('"Ticket"', 'number'), (SELECT max("number") FROM "Ticket"))`,
      );
    });
    // What a real install's autovacuum would have done by now: statistics and the visibility map.
    await timed(timings, 'VACUUM ANALYZE', () => conn.query('VACUUM ANALYZE'));

    const count = async (sql: string, params: unknown[] = []) =>
      Number((await conn.query<{ n: string }>(sql, params)).rows[0]?.n ?? 0);
    const statusRows = await conn.query<{ status: string; count: number }>(
      'SELECT "status", "count" FROM "TicketStatusCount" ORDER BY "count" DESC',
    );
    const conversation = async (id: number) => ({
      comments: await count('SELECT count(*) AS n FROM "Comment" WHERE "ticketId" = $1', [id]),
      events: await count('SELECT count(*) AS n FROM "TicketEvent" WHERE "ticketId" = $1', [id]),
      attachments: await count('SELECT count(*) AS n FROM "Attachment" WHERE "ticketId" = $1', [id]),
    });
    // The client scenario's user: the busiest non-manager client; the manager: the busiest manager.
    const busiest = async (manager: boolean) =>
      (
        await conn.query<{ email: string }>(
          `SELECT u."email" FROM "User" u JOIN "Ticket" t ON t."requesterId" = u."id"
           WHERE u."role" = 'CLIENT' AND u."isOrgManager" = $1 GROUP BY u."id" ORDER BY count(*) DESC, u."id" LIMIT 1`,
          [manager],
        )
      ).rows[0]?.email as string;
    const busiestTechnician = (
      await conn.query<{ email: string }>(
        `SELECT u."email" FROM "User" u JOIN "Ticket" t ON t."assigneeId" = u."id"
         WHERE t."status" IN ('ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION') AND t."deletedAt" IS NULL
         GROUP BY u."id" ORDER BY count(*) DESC, u."id" LIMIT 1`,
      )
    ).rows[0]?.email as string;
    return {
      supportEmail: support[0]?.email as string,
      clientEmail: await busiest(false),
      managerEmail: await busiest(true),
      technicianEmail: busiestTechnician,
      bigTicket: { number: big.number, ...(await conversation(big.id)) },
      smallTicket: { number: small.number, ...(await conversation(small.id)) },
      departmentId: departmentIds[0] as number,
      statusCounts: Object.fromEntries(statusRows.rows.map((row) => [row.status, row.count])),
      rows: {
        tickets: await count('SELECT count(*) AS n FROM "Ticket"'),
        comments: await count('SELECT count(*) AS n FROM "Comment"'),
        events: await count('SELECT count(*) AS n FROM "TicketEvent"'),
      },
      timings,
    };
  } finally {
    conn.release();
  }
}
