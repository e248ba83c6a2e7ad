// Each role's home. Ticket lists arrive with the lifecycle; until then these pages say so
// truthfully (there are no tickets yet) rather than showing invented rows.
import { Router } from 'express';
import { requireRole } from '../middleware/auth.js';

export function homeRouter(): Router {
  const router = Router();
  router.get('/tickets', requireRole('CLIENT', 'SUPPORT', 'ADMIN', 'TECHNICIAN'), (_req, res) => {
    res.render('home/client');
  });
  router.get('/queue', requireRole('SUPPORT', 'ADMIN'), (_req, res) => {
    res.render('home/support');
  });
  router.get('/work', requireRole('TECHNICIAN'), (_req, res) => {
    res.render('home/technician');
  });
  return router;
}
