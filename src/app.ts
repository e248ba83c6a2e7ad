// createApp(): middleware → routers → not found → error handler. Tests import this directly.
// Services come from the composition root (services.ts): built once, handed to the routers.

import { randomUUID } from 'node:crypto';
import express from 'express';
import { pinoHttp } from 'pino-http';
import { accountRouter } from './account/account.routes.js';
import { adminRouter } from './admin/admin.routes.js';
import { absencesRouter } from './assignment/absences.routes.js';
import { createAccountService } from './auth/account.service.js';
import { type AccountThrottle, createAccountThrottle } from './auth/account-throttle.js';
import { authRouter } from './auth/auth.routes.js';
import { createAuthService } from './auth/auth.service.js';
import { createLoginThrottle, type LoginThrottle } from './auth/login-throttle.js';
import { configurePassport } from './auth/passport.js';
import { recoveryRouter } from './auth/recovery.routes.js';
import { redactTokensInRequestLog } from './auth/user-tokens.js';
import type { AppContext } from './context.js';
import { healthRouter } from './health/health.routes.js';
import { inboundRouter } from './inbound/inbound.routes.js';
import { createInboundLog } from './inbound/inbound-log.js';
import { assetMounts } from './lib/assets.js';
import { projectPath } from './lib/paths.js';
import { errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { baseLocals, localsMiddleware } from './middleware/locals.js';
import { securityHeaders } from './middleware/security.js';
import { saveSessionBeforeRedirect, sessionMiddleware } from './middleware/session.js';
import { mailRouter } from './notifications/mail.routes.js';
import { notificationsRouter } from './notifications/notifications.routes.js';
import { repliesRouter } from './replies/replies.routes.js';
import { rulesRouter } from './rules/rules.routes.js';
import { createServices, type Services } from './services.js';
import { setupRouter } from './setup/setup.routes.js';
import { calendarsRouter } from './sla/calendars.routes.js';
import { slaPoliciesRouter } from './sla/sla-policies.routes.js';
import { ticketsRouter } from './tickets/tickets.routes.js';

export function createApp(
  ctx: AppContext,
  options: { services?: Services; loginThrottle?: LoginThrottle; accountThrottle?: AccountThrottle } = {},
) {
  const services = options.services ?? createServices(ctx);
  const app = express();
  app.set('trust proxy', ctx.env.TRUST_PROXY);
  app.set('view engine', 'ejs');
  app.set('views', projectPath('views'));
  // Templates are indented for people; the indentation is a tenth of a list page's bytes. (A
  // local, not 'view options': EJS reads those from `settings`, which our pages' locals reuse.)
  app.locals.rmWhitespace = true;
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
  const session = sessionMiddleware(ctx);
  const passport = configurePassport(auth, session.store);
  app.use(session);
  app.use(saveSessionBeforeRedirect);
  app.use(passport.initialize());
  app.use(passport.session());
  app.use(localsMiddleware(ctx));

  app.use(authRouter(ctx, auth, passport));
  app.use(
    recoveryRouter(ctx, createAccountService(ctx), options.accountThrottle ?? createAccountThrottle(ctx.db.pool)),
  );
  app.use(setupRouter(ctx));
  app.use(accountRouter(ctx));
  app.use(ticketsRouter(ctx, services));
  app.use(notificationsRouter(ctx, services.inApp, services.live, services.tickets));
  app.use('/admin/mail', mailRouter(ctx, services.mail));
  app.use('/admin/inbound', inboundRouter(ctx, createInboundLog(ctx)));
  app.use('/admin/calendars', calendarsRouter(ctx, services.calendars));
  app.use('/admin/sla', slaPoliciesRouter(services.slaPolicies));
  app.use('/admin/rules', rulesRouter(services.rulesAdmin));
  // Before the admin router: /admin/replies is its own page set, guarded like the admin's.
  app.use(repliesRouter(services));
  app.use(absencesRouter(services.absences));
  app.use('/admin', adminRouter(ctx, services));

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
