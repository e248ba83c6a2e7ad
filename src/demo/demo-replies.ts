// Demo canned replies: shared, in Spanish with English and Portuguese variants, so a newcomer sees
// the picker on a ticket page (and one that puts the ticket on hold through the table).
import type { Prisma } from '../generated/prisma/client.js';

type DemoReply = Omit<Prisma.CannedReplyCreateManyInput, 'isDemo' | 'departmentId'> & { department?: string };

export const demoReplies: DemoReply[] = [
  {
    title: 'Pedir más información',
    setStatusAction: 'hold',
    bodyEs:
      'Hola {{requester.name}}:\n\nPara avanzar con {{ticket.number}} necesitamos el modelo del equipo y, si puede, una foto de la pantalla o del panel. Dejamos el ticket en espera hasta su respuesta.\n\nSaludos,\n{{agent.name}}',
    bodyEn:
      'Hello {{requester.name}},\n\nTo move {{ticket.number}} forward we need the equipment model and, if you can, a photo of the screen or panel. The ticket is on hold until you reply.\n\nRegards,\n{{agent.name}}',
    bodyPtBr:
      'Olá {{requester.name}},\n\nPara avançar com {{ticket.number}} precisamos do modelo do equipamento e, se possível, de uma foto da tela ou do painel. O ticket fica em espera até a sua resposta.\n\nAtenciosamente,\n{{agent.name}}',
  },
  {
    title: 'Visita técnica coordinada',
    department: 'CCTV',
    bodyEs:
      'Hola {{requester.name}}:\n\nCoordinamos una visita técnica por «{{ticket.subject}}». El técnico llevará identificación de la empresa; le pedimos que alguien le permita el acceso al equipo.\n\n{{agent.name}}',
    bodyEn:
      'Hello {{requester.name}},\n\nWe have scheduled a technician visit for “{{ticket.subject}}”. The technician will carry company ID; please make sure someone can give access to the equipment.\n\n{{agent.name}}',
    bodyPtBr:
      'Olá {{requester.name}},\n\nAgendamos uma visita técnica para «{{ticket.subject}}». O técnico levará identificação da empresa; pedimos que alguém lhe dê acesso ao equipamento.\n\n{{agent.name}}',
  },
  {
    title: 'Resuelto por acceso remoto',
    setStatusAction: 'resolve_direct',
    bodyEs:
      'Hola {{requester.name}}:\n\nResolvimos {{ticket.number}} por acceso remoto: reiniciamos el equipo y verificamos que vuelve a grabar. Si el problema sigue, responda a este mensaje.\n\n{{agent.name}}',
    bodyEn:
      'Hello {{requester.name}},\n\nWe solved {{ticket.number}} remotely: we restarted the device and checked that it records again. If the problem persists, reply to this message.\n\n{{agent.name}}',
    bodyPtBr:
      'Olá {{requester.name}},\n\nResolvemos {{ticket.number}} por acesso remoto: reiniciamos o equipamento e verificamos que voltou a gravar. Se o problema continuar, responda a esta mensagem.\n\n{{agent.name}}',
  },
];

export function demoReplyRows(departments: Map<string, number>): Prisma.CannedReplyCreateManyInput[] {
  return demoReplies.map(({ department, ...reply }) => ({
    ...reply,
    departmentId: department ? (departments.get(department) ?? null) : null,
    isDemo: true,
  }));
}
