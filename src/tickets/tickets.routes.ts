// Ticket pages for every role. Routes parse and render; the service and policy decide.
import { type NextFunction, type Request, type Response, Router } from 'express';
import { discardUploads, prepareUploads, uploadMiddleware } from '../attachments/upload.js';
import type { AppContext } from '../context.js';
import { AppError, notFound } from '../lib/errors.js';
import { flash } from '../lib/flash.js';
import { parseForm } from '../lib/validate.js';
import { requireAuth, requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import type { Services } from '../services.js';
import { isTicketAction, lifecycle } from './ticket-lifecycle.js';
import { formatTicketNumber, parseTicketNumber, ticketPath as ticketUrl } from './ticket-number.js';
import { buildTicketPage } from './ticket-page.view.js';
import { myTicketsSearchFilters, queueSearchFilters } from './ticket-search.js';
import { priorities, ticketStatuses } from './ticket-statuses.js';
import { canActForClients, canCreateTicket, isStaff } from './tickets.policy.js';
import {
  actionSchemas,
  ZComment,
  ZCreateTicket,
  ZInsertReply,
  ZMyTicketsFilters,
  ZProperties,
  ZQueueFilters,
  ZReplyAction,
} from './tickets.schema.js';
import { assertMayTakeAction } from './transition-ticket.js';

function numberParam(req: Request): number {
  const number = parseTicketNumber(req.params.number);
  if (number === null) throw notFound();
  return number;
}

const me = (req: Request) => req.user as Express.User;
/** A header parameter value (RFC 8187): encodeURIComponent leaves ' ( ) * raw, which that syntax forbids. */
const rfc8187 = (value: string) =>
  encodeURIComponent(value).replace(/['()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

export function ticketsRouter(ctx: AppContext, services: Services): Router {
  const router = Router();
  const { prisma } = ctx.db;
  const { tickets, ticketLists: lists, storage, attachments } = services;
  const upload = uploadMiddleware(storage.tempDir, {
    maxBytes: Math.round(ctx.env.UPLOAD_MAX_MB * 1024 * 1024),
    maxFiles: ctx.env.UPLOAD_MAX_FILES,
  });
  const uploadHints = { maxMb: ctx.env.UPLOAD_MAX_MB, maxFiles: ctx.env.UPLOAD_MAX_FILES };
  const { search } = services;
  const noPage = { items: [], nextCursor: null, prevCursor: null };

  // Categories and departments from this process's copy (services.reference), not a query per page.
  const referenceData = async () => {
    const { categories, departments } = await services.reference.get();
    return { categories, departments };
  };

  const newTicketData = async (req: Request) => ({
    ...(await referenceData()),
    priorities,
    uploadHints,
    /** Support files on a client's behalf: the form asks which client. */
    actsForClient: canActForClients(me(req)),
    clients: canActForClients(me(req))
      ? await prisma.user.findMany({
          where: { role: 'CLIENT', isActive: true },
          orderBy: { name: 'asc' },
          take: 2000,
          select: { id: true, name: true, email: true, organization: { select: { name: true } } },
        })
      : [],
  });

  // ── Ticket page (issue 8, UI): the view-model decides, the templates only render. ──────────────
  /** Everything the ticket page shows; also used to re-render it when an action is refused. */
  async function ticketPage(req: Request, number = numberParam(req)) {
    const tab = req.query.tab === 'history' ? 'history' : 'conversation';
    // Canned replies come from the per-process copy (replies.service.ts): no statement of their own.
    const [detail, reference, cannedReplies] = await Promise.all([
      tickets.detail(me(req), number, { history: tab === 'history' }),
      services.reference.get(),
      isStaff(me(req)) ? services.replies.usable(me(req)) : [],
    ]);
    const needsTechnicians = detail.actions.includes('assign') || detail.actions.includes('reassign');
    const page = buildTicketPage(detail, me(req), {
      categories: reference.categories,
      departments: reference.departments,
      priorities,
      uploadHints,
      technicians: needsTechnicians
        ? await tickets.technicianOptions(detail.ticket.departmentId, reference.technicians)
        : [],
      tab,
    });
    return { ...page, cannedReplies: cannedReplies.map(({ id, title }) => ({ id, title })) };
  }
  /**
   * Without JavaScript each action button is a link to this page, holding only that action's form.
   * It answers like the POST would for an action not allowed now: 404 unseen, 403 role, 409 state.
   */
  router.get('/tickets/:number/actions/:action', requireAuth, async (req, res) => {
    const number = numberParam(req);
    const action = req.params.action;
    if (!isTicketAction(action)) throw notFound();
    const page = await ticketPage(req, number);
    // Refused exactly as the POST would be (the page offers exactly what this allows).
    assertMayTakeAction(me(req), page.ticket, action, await ctx.settings.get());
    res.render('tickets/action', { ...page, action });
  });
  // ── end of the ticket page block ─────────────────────────────────────────────────────────────
  // A refused or stale action re-renders the fresh ticket page with the reason and the typed text.
  // The error handler runs after the router has put back the app's req.params, so the ticket's
  // number is read here, while the route's params are still there.
  const ticketForm = (req: Request, res: Response, next: NextFunction) => {
    const number = numberParam(req);
    formView('tickets/show', (request) => ticketPage(request, number), ['CONFLICT', 'STALE'])(req, res, next);
  };

  router.get('/tickets', requireAuth, async (req, res) => {
    const user = me(req);
    if (user.role === 'SUPPORT' || user.role === 'ADMIN') return res.redirect('/queue');
    if (user.role === 'TECHNICIAN') return res.redirect('/work');
    const filters = ZMyTicketsFilters.parse(req.query);
    // Search (ticket-search.ts): a ticket number opens the ticket, words list ranked results.
    const results = filters.q
      ? await search.searchTickets(user, filters.q, {
          after: req.query.after,
          filters: myTicketsSearchFilters(filters, res.locals.timeZone),
        })
      : undefined;
    if (results?.jumpTo) return res.redirect(ticketUrl(results.jumpTo));
    const page = results ? noPage : await lists.mine(user, filters, req.query, res.locals.timeZone);
    const requesters =
      user.isOrgManager && user.organizationId ? await services.organizationMembers.get(user.organizationId) : [];
    res.render('tickets/mine', { filters, page, requesters, search: results, searchAfter: req.query.after });
  });

  router.get('/queue', requireRole('SUPPORT', 'ADMIN'), async (req, res) => {
    const filters = ZQueueFilters.parse(req.query);
    // Search (ticket-search.ts): a ticket number opens the ticket, words list ranked results.
    const results = filters.q
      ? await search.searchTickets(me(req), filters.q, {
          after: req.query.after,
          filters: queueSearchFilters(filters, res.locals.timeZone),
        })
      : undefined;
    if (results?.jumpTo) return res.redirect(ticketUrl(results.jumpTo));
    const [page, counts, reference] = await Promise.all([
      results ? noPage : lists.queue(me(req), filters, req.query, res.locals.timeZone),
      tickets.statusCounts(me(req)),
      services.reference.get(),
    ]);
    res.render('tickets/queue', {
      filters,
      page,
      search: results,
      searchAfter: req.query.after,
      counts,
      statuses: ticketStatuses,
      priorities,
      technicians: reference.technicians,
      organizations: reference.organizations,
      categories: reference.categories,
      departments: reference.departments,
    });
  });

  router.get('/work', requireRole('TECHNICIAN'), async (req, res) => {
    // Search over everything the technician may see (assigned, once assigned, their departments).
    const q = ZMyTicketsFilters.shape.q.parse(req.query.q);
    const results = q ? await search.searchTickets(me(req), q, { after: req.query.after }) : undefined;
    if (results?.jumpTo) return res.redirect(ticketUrl(results.jumpTo));
    res.render('tickets/work', {
      page: results ? noPage : await lists.work(me(req), req.query),
      q,
      search: results,
      searchAfter: req.query.after,
    });
  });

  router.get('/tickets/new', requireAuth, async (req, res) => {
    if (!canCreateTicket(me(req))) throw new AppError('FORBIDDEN', 'errors.forbidden');
    res.render('tickets/new', { ...(await newTicketData(req)), values: { priority: 'MEDIUM' } });
  });

  router.post(
    '/tickets',
    requireAuth,
    formView('tickets/new', newTicketData),
    upload,
    csrfProtection,
    async (req, res) => {
      const input = parseForm(ZCreateTicket, req.body, req.invalidUtf8Fields);
      const uploads = await prepareUploads(req.files as Express.Multer.File[]);
      const number = await tickets.create(me(req), input, uploads);
      flash(req, 'success', 'tickets.flash.created', { number: formatTicketNumber(number) });
      res.redirect(ticketUrl(number));
    },
  );

  router.get('/tickets/:number', requireAuth, async (req, res) => {
    const number = numberParam(req);
    if (req.params.number !== formatTicketNumber(number)) return res.redirect(301, ticketUrl(number));
    res.render('tickets/show', await ticketPage(req));
  });

  router.post('/tickets/:number/comments', requireAuth, ticketForm, upload, csrfProtection, async (req, res) => {
    const number = numberParam(req);
    const input = parseForm(ZComment, req.body, req.invalidUtf8Fields);
    // A canned reply's action ticked with the reply: both go through the table, or neither.
    const withAction = parseForm(ZReplyAction, req.body);
    const uploads = await prepareUploads(req.files as Express.Multer.File[]);
    if (withAction.thenAction) {
      await tickets.replyWithAction(me(req), number, input, withAction.thenAction, withAction.version, uploads);
      flash(req, 'success', `tickets.flash.action.${withAction.thenAction}`, { number: formatTicketNumber(number) });
    } else {
      await tickets.addComment(me(req), number, input, uploads);
      flash(req, 'success', input.internal ? 'tickets.flash.noteAdded' : 'tickets.flash.commentAdded');
    }
    res.redirect(`${ticketUrl(number)}#conversation-end`);
  });

  // A canned reply into the reply box, without JavaScript: the page comes back with the box filled
  // (after what was already typed) and the reply's action offered; nothing is sent yet.
  router.post('/tickets/:number/reply-insert', requireAuth, ticketForm, formBody, csrfProtection, async (req, res) => {
    const number = numberParam(req);
    const { replyId, body, internal } = parseForm(ZInsertReply, req.body, req.invalidUtf8Fields);
    const rendered = await services.replies.render(me(req), replyId, await services.replies.ticketFor(me(req), number));
    const page = await ticketPage(req, number);
    res.render('tickets/show', {
      ...page,
      values: {
        body: body ? `${body}\n\n${rendered.text}` : rendered.text,
        internal: internal ? 'on' : undefined,
        replyId: String(replyId),
        thenAction: rendered.action ?? undefined,
      },
      insertedReply: rendered.title,
    });
  });
  // The same text for the page's script, which fills the box in place.
  router.get('/tickets/:number/reply-text', requireAuth, async (req, res) => {
    const number = numberParam(req);
    const replyId = /^\d{1,9}$/.test(String(req.query.reply)) ? Number(req.query.reply) : 0;
    const rendered = await services.replies.render(me(req), replyId, await services.replies.ticketFor(me(req), number));
    res.set('Cache-Control', 'private, no-store');
    const actionTitle = rendered.action ? req.t(`tickets.actions.${rendered.action}.title`) : null;
    res.json({
      text: rendered.text,
      language: rendered.language,
      action: rendered.action,
      label: actionTitle ? req.t('replies.alsoAction', { action: actionTitle }) : null,
      notNow: actionTitle ? req.t('replies.actionNotNow', { action: actionTitle }) : null,
    });
  });

  router.post(
    '/tickets/:number/actions/:action',
    requireAuth,
    ticketForm,
    upload,
    formBody,
    csrfProtection,
    async (req, res) => {
      const number = numberParam(req);
      const action = req.params.action;
      if (!isTicketAction(action)) throw notFound();
      // Lets a re-rendered page put the typed text back into this action's form.
      req.body = { ...(req.body ?? {}), _action: action };
      const input = parseForm(actionSchemas[action], req.body, req.invalidUtf8Fields);
      const takesFiles = (lifecycle[action].form as readonly string[]).includes('attachments');
      const uploads = takesFiles ? await prepareUploads(req.files as Express.Multer.File[]) : [];
      await tickets.transitionTicket(me(req), number, action, input as never, uploads);
      flash(req, 'success', `tickets.flash.action.${action}`, { number: formatTicketNumber(number) });
      res.redirect(ticketUrl(number));
    },
  );

  router.post('/tickets/:number/properties', requireAuth, ticketForm, formBody, csrfProtection, async (req, res) => {
    const number = numberParam(req);
    // Lets a re-rendered page put the typed values back into the properties form.
    req.body = { ...(req.body ?? {}), _form: 'properties' };
    await tickets.updateProperties(me(req), number, parseForm(ZProperties, req.body, req.invalidUtf8Fields));
    flash(req, 'success', 'tickets.flash.classified');
    res.redirect(ticketUrl(number));
  });

  // "Llegué al sitio": the assigned technician, from the ticket page (the SLA's on-site target).
  router.post('/tickets/:number/on-site', requireAuth, ticketForm, formBody, csrfProtection, async (req, res) => {
    const number = numberParam(req);
    await tickets.recordOnSite(me(req), number);
    flash(req, 'success', 'tickets.onSite.recorded');
    res.redirect(ticketUrl(number));
  });

  // The admin's bin: soft delete, restore, purge (each audited).
  router.get('/admin/bin', requireRole('ADMIN'), async (req, res) => {
    res.render('tickets/bin', { page: await lists.bin(me(req), req.query) });
  });
  router.post('/tickets/:number/delete', requireRole('ADMIN'), formBody, csrfProtection, async (req, res) => {
    const number = numberParam(req);
    await tickets.softDelete(me(req), number);
    flash(req, 'success', 'tickets.flash.deleted', { number: formatTicketNumber(number) });
    res.redirect('/admin/bin');
  });
  router.post('/admin/bin/:number/restore', requireRole('ADMIN'), formBody, csrfProtection, async (req, res) => {
    const number = numberParam(req);
    await tickets.restore(me(req), number);
    flash(req, 'success', 'tickets.flash.restored', { number: formatTicketNumber(number) });
    res.redirect(ticketUrl(number));
  });
  router.post('/admin/bin/:number/purge', requireRole('ADMIN'), formBody, csrfProtection, async (req, res) => {
    const number = numberParam(req);
    await tickets.purge(me(req), number);
    flash(req, 'success', 'tickets.flash.purged', { number: formatTicketNumber(number) });
    res.redirect('/admin/bin');
  });

  router.get('/attachments/:id', requireAuth, async (req: Request, res: Response) => {
    const id = /^\d{1,9}$/.test(String(req.params.id)) ? Number(req.params.id) : 0;
    const file = await attachments.forDownload(me(req), id);
    res.set({
      'Content-Type': file.mimeType,
      'Content-Length': String(file.size),
      'Content-Disposition': `attachment; filename="${file.originalName.replace(/[^\x20-\x7E]/g, '_').replace(/["\\]/g, '_')}"; filename*=UTF-8''${rfc8187(file.originalName)}`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
      'Cache-Control': 'private, no-store',
      ETag: `"${file.sha256}"`,
    });
    const stream = storage.read(file.storageKey);
    stream.on('error', (error) => {
      req.log?.error({ err: error, attachment: id }, 'attachment file missing');
      if (!res.headersSent) res.status(404).end();
      else res.destroy(error);
    });
    stream.pipe(res);
  });

  // A refused form's temporary files are removed before the error page is sent.
  router.use(async (error: unknown, req: Request, _res: Response, next: NextFunction) => {
    await discardUploads(req);
    next(error);
  });

  return router;
}
