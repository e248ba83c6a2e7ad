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
import {
  type AssignByDepartment,
  createRuleEngine,
  onSlaCrossing,
  onTicketChangeForRules,
} from './rules/rule-engine.js';
import { createRulesService } from './rules/rules.service.js';
import { createTimeTrigger } from './rules/time-trigger.js';
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
  /** The rules' "assign per the department's method" (src/assignment/auto-assign.ts, when merged). */
  assignByDepartment?: AssignByDepartment;
};

export function createServices(ctx: AppContext, overrides: ServiceOverrides = {}) {
  const { prisma } = ctx.db;
  const storage = overrides.storage ?? createLocalStorage(ctx.env.UPLOAD_DIR);
  const ticketChanges = createTicketChangeHooks();
  // SLA first: its due instants are part of the change notifications and rules may read.
  const sla = createSlaService(ctx);
  ticketChanges.subscribe(sla.onTicketChange);
  // The SLA sweep tells the rules of each warning and breach, in its own transaction.
  const slaSweep = createSlaSweep(ctx, sla, onSlaCrossing);
  subscribeNotifications(ticketChanges);
  // Rules: each change records the event to evaluate in its transaction; the engine runs after commit.
  ticketChanges.subscribe(onTicketChangeForRules);
  const tickets = createTicketsService(
    { prisma, settings: ctx.settings, storage, hooks: ticketChanges },
    { logger: ctx.logger },
  );
  const live = createLiveHub(ctx.db, ctx.logger);
  // With the direct resolvers of auth/ and inbound/ registered (mail-worker.ts).
  const mailWorker = createAppMailWorker(ctx);

  const reference = createReferenceData(prisma);
  const replies = createRepliesService({
    prisma,
    reference,
    timeZone: async () => (await ctx.settings.get()).timeZone,
  });
  const rules = createRuleEngine(ctx, {
    tickets,
    // A rule's canned reply: a shared reply, as an admin would insert it, signed by the desk.
    async renderReply(replyId, number) {
      const name = (await ctx.settings.get()).helpdeskName;
      const user = { id: 0, role: 'ADMIN' as const, name, organizationId: null, isOrgManager: false };
      return (await replies.render(user, replyId, await replies.ticketFor(user, number))).text;
    },
    assignByDepartment:
      overrides.assignByDepartment ?? ((number, actor) => tickets.assignByDepartment(number, { actor })),
  });
  const fireTimeRules = createTimeTrigger(ctx);

  const jobs: Job[] = [
    mailJob(mailWorker, live),
    // Woken by the NOTIFY each rule event sends on commit; the interval only catches what a lost
    // wake-up (or a lease after a crash) left behind.
    { name: 'rules', everyMs: 5_000, run: () => rules.drain(), start: () => live.onOutbox(() => void rules.drain()) },
    // Auto-close is the built-in rule "RESOLVED for N days → close" (the add_rules migration).
    {
      name: 'rule-time',
      everyMs: 60_000,
      exclusive: true,
      run: async () => {
        const fired = await fireTimeRules();
        if (fired > 0) await rules.drain();
        return fired;
      },
    },
    { name: 'orphan-files', everyMs: 60 * 60_000, exclusive: true, run: () => removeOrphanFiles(prisma, storage) },
    { name: 'sla-sweep', everyMs: 60_000, exclusive: true, run: () => slaSweep() },
  ];
  const inbound = createInboundService(ctx, tickets, storage);
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
    replies,
    rules,
    fireTimeRules,
    rulesAdmin: createRulesService(ctx, { fireTimeRules }),
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
