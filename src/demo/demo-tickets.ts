// A few demo tickets in different states, made through the real lifecycle (events, counters and
// outbox included), so each demo role has something to try at once. Filed by demo accounts,
// so "remove demo data" removes them too.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { TicketsService } from '../tickets/tickets.service.js';

export async function seedDemoTickets(prisma: PrismaClient, tickets: TicketsService): Promise<void> {
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
}
