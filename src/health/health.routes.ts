import { Router } from 'express';
import type { AppContext } from '../context.js';
import { pendingMigrations } from '../db/migrations.js';

export function healthRouter(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Ready = the database answers and every migration on disk is applied.
  router.get('/readyz', async (_req, res) => {
    try {
      const pending = await pendingMigrations(ctx.db.pool);
      if (pending.length > 0) {
        res.status(503).json({ status: 'migrations pending', pending });
        return;
      }
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unreachable' });
    }
  });
  return router;
}
