// The composition root: every service is built here, once, from the context; routes, jobs, the
// worker, scripts and tests receive them. Dependencies point one way: the ticket wing knows nothing
// of notifications — notifications subscribe to "a ticket changed" here.
import { createAbsencesService } from './assignment/absences.service.js';
import { createAttachmentsService } from './attachments/attachments.service.js';
import { type AttachmentStorage, createLocalStorage } from './attachments/storage.js';
import type { AppContext } from './context.js';
import { createDepartmentsService } from './departments/departments.service.js';
import { createImapPoller } from './inbound/imap-poller.js';
import { createInboundService } from './inbound/inbound.service.js';
import { removeOrphanFiles } from './jobs/orphan-files.js';
import type { Job } from './jobs/scheduler.js';
import { createAppMailWorker } from './mail-worker.js';
import { createInAppNotifications } from './notifications/inapp.service.js';
import { createLiveHub } from './notifications/live.js';
import { createMailService } from './notifications/mail.service.js';
import { subscribeNotifications } from './notifications/ticket-notifications.js';
import { mailJob } from './notifications/worker.js';
import { createOrganizationsService } from './organizations/organizations.service.js';
import { createOrganizationMembers, createReferenceData } from './reference/reference-data.js';
import { createRepliesService } from './replies/replies.service.js';
import { createCalendarsService } from './sla/calendars.service.js';
import { createSlaService } from './sla/sla.service.js';
import { createSlaPoliciesService } from './sla/sla-policies.service.js';
import { createSlaSweep } from './sla/sla-sweep.js';
import { createTicketChangeHooks } from './tickets/ticket-changes.js';
import { createTicketSearch } from './tickets/ticket-search.js';
import { createTicketLists } from './tickets/tickets.lists.js';
import { createTicketsService } from './tickets/tickets.service.js';
import { createUsersService } from './users/users.service.js';

export type ServiceOverrides = {
  /** Where attachments live (tests give each file its own directory). */
  storage?: AttachmentStorage;
};

export function createServices(ctx: AppContext, overrides: ServiceOverrides = {}) {
  const { prisma } = ctx.db;
  const storage = overrides.storage ?? createLocalStorage(ctx.env.UPLOAD_DIR);
  const ticketChanges = createTicketChangeHooks();
  // SLA first: its due instants are part of the change notifications and rules may read.
  const sla = createSlaService(ctx);
  ticketChanges.subscribe(sla.onTicketChange);
  const slaSweep = createSlaSweep(ctx, sla);
  subscribeNotifications(ticketChanges);
  const tickets = createTicketsService(
    { prisma, settings: ctx.settings, storage, hooks: ticketChanges },
    { logger: ctx.logger },
  );
  const live = createLiveHub(ctx.db, ctx.logger);
  // With the direct resolvers of auth/ and inbound/ registered (mail-worker.ts).
  const mailWorker = createAppMailWorker(ctx);

  const jobs: Job[] = [
    mailJob(mailWorker, live),
    { name: 'auto-close', everyMs: 10 * 60_000, exclusive: true, run: () => tickets.autoCloseResolved() },
    { name: 'orphan-files', everyMs: 60 * 60_000, exclusive: true, run: () => removeOrphanFiles(prisma, storage) },
    { name: 'sla-sweep', everyMs: 60_000, exclusive: true, run: () => slaSweep() },
  ];
  const inbound = createInboundService(ctx, tickets, storage);
  const reference = createReferenceData(prisma);
  if (ctx.env.IMAP_URL) {
    const poller = createImapPoller({
      url: ctx.env.IMAP_URL,
      folder: ctx.env.IMAP_FOLDER,
      logger: ctx.logger,
      process: (raw) => inbound.processMessage(raw),
    });
    jobs.push({
      name: 'inbound-mail',
      everyMs: ctx.env.IMAP_POLL_SECONDS * 1000,
      // Processes polling one mailbox at once would each fetch and parse the same unseen messages
      // (the Message-ID record keeps them from being processed twice, not from the wasted work).
      exclusive: true,
      run: () => poller.tick(),
      stop: () => poller.stop(),
    });
  }

  return {
    storage,
    ticketChanges,
    tickets,
    ticketLists: createTicketLists(ctx),
    search: createTicketSearch(ctx),
    reference,
    replies: createRepliesService({ prisma, reference, timeZone: async () => (await ctx.settings.get()).timeZone }),
    organizationMembers: createOrganizationMembers(prisma),
    attachments: createAttachmentsService(ctx),
    inbound,
    live,
    inApp: createInAppNotifications(prisma),
    mail: createMailService(ctx),
    mailWorker,
    users: createUsersService(ctx),
    organizations: createOrganizationsService(ctx),
    departments: createDepartmentsService(ctx),
    absences: createAbsencesService(ctx),
    calendars: createCalendarsService(ctx),
    sla,
    slaSweep,
    slaPolicies: createSlaPoliciesService(ctx),
    /** Background work; server.ts starts it (tests and scripts start only what they need). */
    jobs,
  };
}

export type Services = ReturnType<typeof createServices>;
