// createApp(): middleware → routers → not found → error handler. Tests import this directly.

import { randomUUID } from 'node:crypto';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { accountRouter } from './account/account.routes.js';
import { adminRouter } from './admin/admin.routes.js';
import { createLocalStorage } from './attachments/storage.js';
import { createAccountService } from './auth/account.service.js';
import { type AccountThrottle, createAccountThrottle } from './auth/account-throttle.js';
import { authRouter } from './auth/auth.routes.js';
import { createAuthService } from './auth/auth.service.js';
import { createLoginThrottle, type LoginThrottle } from './auth/login-throttle.js';
import { configurePassport } from './auth/passport.js';
import { recoveryRouter } from './auth/recovery.routes.js';
import { redactTokensInRequestLog } from './auth/user-tokens.js';
import type { AppContext } from './context.js';
import { createDepartmentsService } from './departments/departments.service.js';
import { healthRouter } from './health/health.routes.js';
import { createImapPoller } from './inbound/imap-poller.js';
import { inboundRouter } from './inbound/inbound.routes.js';
import { createInboundService } from './inbound/inbound.service.js';
import { createInboundLog } from './inbound/inbound-log.js';
import { removeOrphanFiles } from './jobs/orphan-files.js';
import type { Job } from './jobs/scheduler.js';
import { assetMounts } from './lib/assets.js';
import { projectPath } from './lib/paths.js';
import { createAppMailWorker } from './mail-worker.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { baseLocals, localsMiddleware } from './middleware/locals.js';
import { securityHeaders } from './middleware/security.js';
import { saveSessionBeforeRedirect, sessionMiddleware } from './middleware/session.js';
import { createInAppNotifications } from './notifications/inapp.service.js';
import { createLiveHub } from './notifications/live.js';
import { mailRouter } from './notifications/mail.routes.js';
import { createMailService } from './notifications/mail.service.js';
import { notificationsRouter } from './notifications/notifications.routes.js';
import { mailJob } from './notifications/worker.js';
import { createOrganizationsService } from './organizations/organizations.service.js';
import { setupRouter } from './setup/setup.routes.js';
import { createTicketLists } from './tickets/tickets.lists.js';
import { ticketsRouter } from './tickets/tickets.routes.js';
import { createTicketsService } from './tickets/tickets.service.js';
import { createUsersService } from './users/users.service.js';

export function createApp(
  ctx: AppContext,
  options: { loginThrottle?: LoginThrottle; accountThrottle?: AccountThrottle } = {},
) {
  const app = express();
  app.set('trust proxy', ctx.env.TRUST_PROXY);
  app.set('view engine', 'ejs');
  app.set('views', projectPath('views'));
  app.disable('x-powered-by');
  if (ctx.env.NODE_ENV === 'production') app.enable('view cache');

  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (_req, res) => {
        const id = randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      serializers: { req: redactTokensInRequestLog },
      autoLogging: {
        ignore: (req) => req.url?.startsWith('/static/') === true || req.url?.startsWith('/vendor/') === true,
      },
    }),
  );
  app.use(baseLocals);
  app.use(securityHeaders({ isHttps: ctx.env.BASE_URL?.startsWith('https:') ?? false }));

  for (const [prefix, dir] of Object.entries(assetMounts)) {
    // URLs carry a content hash (?v=…), so a year of caching is safe.
    app.use(prefix, express.static(dir, { maxAge: '365d', immutable: true, index: false, fallthrough: false }));
  }
  app.use(healthRouter(ctx));

  const auth = createAuthService(ctx, options.loginThrottle ?? createLoginThrottle(ctx.db.pool));
  const passport = configurePassport(auth);
  const session = sessionMiddleware(ctx);
  app.use(session);
  app.use(saveSessionBeforeRedirect);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(localsMiddleware(ctx));
  const live = createLiveHub(ctx.db, ctx.logger);
  app.locals.live = live;

  app.use(authRouter(ctx, auth, passport));
  app.use(
    recoveryRouter(ctx, createAccountService(ctx), options.accountThrottle ?? createAccountThrottle(ctx.db.pool)),
  );
  app.use(setupRouter(ctx));
  app.use(accountRouter(ctx));
  const storage = createLocalStorage(ctx.env.UPLOAD_DIR);
  const tickets = createTicketsService(ctx, storage);
  app.use(ticketsRouter(ctx, tickets, createTicketLists(ctx), storage));
  app.use(notificationsRouter(ctx, createInAppNotifications(ctx.db.prisma), live, tickets));
  app.use('/admin/mail', mailRouter(ctx, createMailService(ctx)));
  app.use('/admin/inbound', inboundRouter(ctx, createInboundLog(ctx)));
  app.use(
    '/admin',
    adminRouter(ctx, {
      users: createUsersService(ctx),
      organizations: createOrganizationsService(ctx),
      departments: createDepartmentsService(ctx),
      storage,
    }),
  );

  app.use(notFoundHandler);
  app.use(errorHandler);
  app.locals.jobs = [
    mailJob(createAppMailWorker(ctx), live),
    { name: 'auto-close', everyMs: 10 * 60_000, run: () => tickets.autoCloseResolved() },
    { name: 'orphan-files', everyMs: 60 * 60_000, run: () => removeOrphanFiles(ctx.db.prisma, storage) },
  ] satisfies Job[];
  if (ctx.env.IMAP_URL) {
    const inbound = createInboundService(ctx, tickets, storage);
    const poller = createImapPoller({
      url: ctx.env.IMAP_URL,
      folder: ctx.env.IMAP_FOLDER,
      logger: ctx.logger,
      process: (raw) => inbound.processMessage(raw),
    });
    (app.locals.jobs as Job[]).push({
      name: 'inbound-mail',
      everyMs: ctx.env.IMAP_POLL_SECONDS * 1000,
      run: () => poller.tick(),
      stop: () => poller.stop(),
    });
  }
  return app;
}
