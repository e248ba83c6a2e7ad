// The notification centre (/notifications) and the live stream (/events, Server-Sent Events).
// Pages work without JavaScript; the stream only makes them current without a reload.
import { type Request, type Response, Router } from 'express';
import type { AppContext } from '../context.js';
import { notFound } from '../lib/errors.js';
import { decodeCursor } from '../lib/pagination.js';
import { idParam } from '../lib/params.js';
import { requireAuth } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formatTicketNumber, parseTicketNumber } from '../tickets/ticket-number.js';
import { canSeeInternal } from '../tickets/tickets.policy.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import type { InAppNotifications } from './inapp.service.js';
import type { LiveEvent, LiveHub } from './live.js';

const PAGE_SIZE = 30;
/** Streams end after this long; the browser reconnects, and the session is checked again. */
const STREAM_LIFETIME_MS = 5 * 60_000;
const HEARTBEAT_MS = 25_000;

const me = (req: Request) => req.user as Express.User;

export function notificationsRouter(
  _ctx: AppContext,
  notifications: InAppNotifications,
  live: LiveHub,
  tickets: TicketsService,
  options: { streamLifetimeMs?: number } = {},
): Router {
  const router = Router();

  router.get('/notifications', requireAuth, async (req, res) => {
    const before = decodeCursor(req.query.before, 'string');
    const page = await notifications.list(me(req).id, { before, size: PAGE_SIZE });
    res.render('notifications/list', { page, isFirstPage: !before, ticketLabel: formatTicketNumber });
  });

  router.post('/notifications/read-all', requireAuth, formBody, csrfProtection, async (req, res) => {
    await notifications.markAllRead(me(req).id);
    res.redirect(303, '/notifications');
  });

  // Opening a notification marks it read (a POST: a prefetch must not mark anything).
  router.post('/notifications/:id/open', requireAuth, formBody, csrfProtection, async (req, res) => {
    const number = await notifications.markRead(me(req).id, idParam(req, 15));
    res.redirect(303, number === null ? '/notifications' : `/tickets/${formatTicketNumber(number)}`);
  });

  router.get('/events', requireAuth, async (req: Request, res: Response) => {
    const user = me(req);
    let watchedTicketId: number | null = null;
    if (req.query.ticket !== undefined) {
      const number = parseTicketNumber(req.query.ticket);
      if (number === null) throw notFound();
      // The same scope as the ticket page: a stream cannot learn about a ticket its user cannot see.
      watchedTicketId = await tickets.visibleTicketId(user, number);
    }

    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    let open = true;
    const send = (event: string, data: unknown) => {
      if (open) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    let counting: Promise<void> | null = null;
    let recount = false;
    // Counts are serialised: a burst of notifications costs one query at a time, never a pile-up.
    const sendUnread = () => {
      if (counting) {
        recount = true;
        return;
      }
      counting = (async () => {
        do {
          recount = false;
          const count = await notifications.unreadCount(user.id);
          send('unread', { count });
        } while (recount && open);
      })()
        .catch(() => {})
        .finally(() => {
          counting = null;
        });
    };

    const onEvent = (event: LiveEvent) => {
      switch (event.type) {
        case 'notification':
          if (event.userId === user.id) sendUnread();
          break;
        case 'ticket':
          if (event.ticketId !== watchedTicketId || event.actorId === user.id) break;
          if (event.staffOnly && !canSeeInternal(user)) break;
          send('ticket', { number: event.number });
          break;
        case 'resync':
          sendUnread();
          break;
        case 'closing':
          end();
          break;
      }
    };
    const unsubscribe = live.subscribe(onEvent);
    // The first count goes out once this process listens, so nothing after it can be missed.
    await live.ready();
    res.write('retry: 5000\n\n');
    sendUnread();
    const heartbeat = setInterval(() => open && res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const lifetime = setTimeout(() => end(), options.streamLifetimeMs ?? STREAM_LIFETIME_MS);
    function end() {
      if (!open) return;
      open = false;
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(lifetime);
      res.end();
    }
    req.on('close', end);
  });

  return router;
}
