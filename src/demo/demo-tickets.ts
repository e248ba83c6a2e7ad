// A few demo tickets in different states, made through the real lifecycle (events, counters and
// outbox included), so each demo role has something to try at once. Filed by demo accounts,
// so "remove demo data" removes them too.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { SlaService } from '../sla/sla.service.js';
import type { TicketsService } from '../tickets/tickets.service.js';

export async function seedDemoTickets(
  prisma: PrismaClient,
  tickets: TicketsService,
  sla?: Pick<SlaService, 'recompute'>,
): Promise<void> {
  const byEmail = async (email: string) => prisma.user.findUniqueOrThrow({ where: { email } });
  const [client, client2, support, technician] = await Promise.all([
    byEmail('cliente@demo.local'),
    byEmail('cliente2@demo.local'),
    byEmail('soporte@demo.local'),
    byEmail('tecnico@demo.local'),
  ]);
  const category = async (name: string) => (await prisma.category.findUniqueOrThrow({ where: { name } })).id;
  const version = async (number: number) => (await prisma.ticket.findUniqueOrThrow({ where: { number } })).version;
  const file = (
    actor: typeof client,
    subject: string,
    description: string,
    categoryName: string,
    priority: 'MEDIUM' | 'HIGH' | 'CRITICAL',
  ) =>
    category(categoryName).then((categoryId) =>
      tickets.create(actor, { subject, description, categoryId, priority, requesterId: null, channel: undefined }, []),
    );
  const assign = async (number: number, categoryName: string, priority: 'MEDIUM' | 'HIGH' | 'CRITICAL') =>
    tickets.transitionTicket(support, number, 'assign', {
      version: await version(number),
      categoryId: await category(categoryName),
      priority,
      technicianId: technician.id,
      departmentId: null,
    });

  await file(
    client,
    'Cámara fuera de servicio en el depósito',
    'La cámara 3 del depósito no muestra imagen desde ayer a la tarde. Las demás funcionan.',
    'Cámara fuera de servicio',
    'HIGH',
  );

  const alarm = await file(
    client,
    'La alarma se dispara sola de noche',
    'Desde el lunes la alarma suena entre las 2 y las 3 de la mañana sin motivo. Zona 4 (pasillo).',
    'Alarma: falsa alarma o falla de panel',
    'HIGH',
  );
  await assign(alarm, 'Alarma: falsa alarma o falla de panel', 'HIGH');
  await tickets.transitionTicket(technician, alarm, 'start', { version: await version(alarm) });

  const monitoring = await file(
    client2,
    'Sin señal de monitoreo desde la sucursal Centro',
    'La central nos avisa que no recibe señal del panel de la sucursal Centro desde las 8:00.',
    'Monitoreo: señal perdida',
    'CRITICAL',
  );
  await assign(monitoring, 'Monitoreo: señal perdida', 'CRITICAL');
  await tickets.transitionTicket(technician, monitoring, 'start', { version: await version(monitoring) });
  await tickets.transitionTicket(
    technician,
    monitoring,
    'submit_solution',
    {
      version: await version(monitoring),
      solution: 'El comunicador GPRS había perdido el chip. Lo reemplacé y la central confirma señal.',
    },
    [],
  );

  const password = await file(
    client,
    'Cambiar la clave del panel de alarma',
    'Necesitamos cambiar la clave de usuario del panel porque se fue un empleado.',
    'Consulta general',
    'MEDIUM',
  );
  await tickets.transitionTicket(support, password, 'resolve_direct', {
    version: await version(password),
    message: 'Le enviamos por correo el instructivo; la clave ya quedó cambiada en la central.',
  });

  // SLA badges on first start: a monitoring alarm filed 55 minutes ago (Monitoreo runs 24×7, so
  // its first response is at risk) and a recorder filed three days ago (overdue). Filed now, then
  // moved back in time, with their clocks recomputed as the sweep would.
  const panic = await file(
    client2,
    'Pulsador de pánico sin señal en la sucursal Norte',
    'La central no recibe la prueba diaria del pulsador de pánico de la sucursal Norte.',
    'Monitoreo: señal perdida',
    'CRITICAL',
  );
  const recorder = await file(
    client,
    'El grabador NVR no guarda las grabaciones',
    'Desde el viernes el grabador muestra las cámaras en vivo pero la búsqueda de grabaciones sale vacía.',
    'Cámara fuera de servicio',
    'HIGH',
  );
  for (const [number, minutesAgo] of [
    [panic, 55],
    [recorder, 3 * 24 * 60],
  ] as const) {
    const at = new Date(Date.now() - minutesAgo * 60_000);
    await prisma.$transaction(async (tx) => {
      const { id } = await tx.ticket.update({ where: { number }, data: { createdAt: at }, select: { id: true } });
      await tx.ticketEvent.updateMany({ where: { ticketId: id }, data: { createdAt: at } });
      await tx.comment.updateMany({ where: { ticketId: id }, data: { createdAt: at } });
      await sla?.recompute(tx, id, null, new Date());
    });
  }

  // Automatic assignment on first start: Monitoreo hands out its tickets by turns (the demo
  // technician joins it), and one more monitoring alarm, filed now, is assigned by the system —
  // its history says so. An upcoming absence shows the absences page at work. Set after the
  // tickets above, which support assigns by hand.
  const monitoringDepartment = await prisma.department.findUnique({
    where: { name: 'Monitoreo' },
    select: { id: true },
  });
  if (monitoringDepartment) {
    await prisma.userDepartment.upsert({
      where: { userId_departmentId: { userId: technician.id, departmentId: monitoringDepartment.id } },
      create: { userId: technician.id, departmentId: monitoringDepartment.id },
      update: {},
    });
    await prisma.department.updateMany({
      where: { id: monitoringDepartment.id, assignMethod: 'MANUAL' },
      data: { assignMethod: 'ROUND_ROBIN' },
    });
    await file(
      client2,
      'Batería baja en el panel de la sucursal Sur',
      'La central recibe «batería baja» del panel de la sucursal Sur desde anoche.',
      'Monitoreo: señal perdida',
      'HIGH',
    );
  }
  const nextMonday = new Date();
  nextMonday.setUTCDate(nextMonday.getUTCDate() + ((8 - nextMonday.getUTCDay()) % 7 || 7));
  nextMonday.setUTCHours(11, 0, 0, 0);
  await prisma.userAbsence.create({
    data: {
      userId: technician.id,
      startsAt: nextMonday,
      endsAt: new Date(nextMonday.getTime() + 5 * 86_400_000),
      note: 'Capacitación en fábrica',
      createdById: technician.id,
    },
  });
}
