// /admin/calendars: business hours and holidays for SLA clocks. Admin only.
import { type Request, type Response, Router } from 'express';
import type { AppContext } from '../context.js';
import { flash } from '../lib/flash.js';
import { idParam } from '../lib/params.js';
import { parseForm } from '../lib/validate.js';
import { requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { nextOpenings } from './business-time.js';
import { calendarFormValues, ZCalendarForm } from './calendars.schema.js';
import type { CalendarsService, StoredCalendar } from './calendars.service.js';

const supportedTimeZones = Intl.supportedValuesOf('timeZone');

/**
 * Intl lists CLDR's canonical names, which leave out UTC and some IANA names people use (Node lists
 * America/Buenos_Aires, not America/Argentina/Buenos_Aires): the zone in use is always offered, so
 * saving a form never switches it silently.
 */
function timeZoneOptions(...inUse: unknown[]): string[] {
  const extra = inUse.filter((zone): zone is string => typeof zone === 'string' && zone !== '');
  return [...new Set([...supportedTimeZones, 'UTC', ...extra])].sort();
}

/** "lun, 7 dic, 09:00" in the calendar's own zone: when it opens, as the people there say it. */
function previewOpenings(req: Request, calendar: StoredCalendar): string[] {
  const format = new Intl.DateTimeFormat(req.lang, {
    timeZone: calendar.timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
  return nextOpenings(calendar, new Date(), 5).map((date) => format.format(date));
}

export function calendarsRouter(ctx: AppContext, calendars: CalendarsService): Router {
  const router = Router();
  router.use(requireRole('ADMIN'));
  const actorId = (req: Request) => (req.user as Express.User).id;
  const formData = (timeZone: unknown) => ({ timeZones: timeZoneOptions(timeZone) });

  router.get('/', async (_req, res) => {
    res.render('admin/calendars/list', { calendars: await calendars.list() });
  });

  router.get('/new', async (_req, res) => {
    const settings = await ctx.settings.get();
    res.render('admin/calendars/form', {
      ...formData(settings.timeZone),
      editing: null,
      openings: [],
      values: {
        timeZone: settings.timeZone,
        hours1: '09:00-18:00',
        hours2: '09:00-18:00',
        hours3: '09:00-18:00',
        hours4: '09:00-18:00',
        hours5: '09:00-18:00',
      },
    });
  });

  const load = async (id: number) => ({
    ...(await calendars.get(id)),
    isDefault: (await calendars.defaultCalendarId()) === id,
  });

  router.get('/:id', async (req, res) => {
    const calendar = await load(idParam(req));
    res.render('admin/calendars/form', {
      ...formData(calendar.timeZone),
      editing: calendar,
      openings: previewOpenings(req, calendar),
      values: calendarFormValues(calendar),
    });
  });

  const save = (isNew: boolean) => [
    formBody,
    csrfProtection,
    formView('admin/calendars/form', (req, res) => ({
      // The zone typed (if valid) and the stored one both stay on offer.
      timeZones: timeZoneOptions(req.body?.timeZone, res.locals.editing?.timeZone),
      openings: res.locals.editing ? previewOpenings(req, res.locals.editing) : [],
    })),
    async (req: Request, res: Response) => {
      const id = isNew ? null : idParam(req);
      res.locals.editing = id === null ? null : await load(id);
      const input = parseForm(ZCalendarForm, req.body, req.invalidUtf8Fields);
      const savedId = id ?? (await calendars.create(input, actorId(req))).id;
      if (id !== null) await calendars.update(id, input, actorId(req));
      flash(req, 'success', 'admin.calendars.saved', { name: input.name });
      res.redirect(`/admin/calendars/${savedId}`);
    },
  ];
  router.post('/', ...save(true));
  router.post('/:id', ...save(false));

  router.post('/:id/default', formBody, csrfProtection, async (req, res) => {
    const id = idParam(req);
    await calendars.setDefault(id, actorId(req));
    flash(req, 'success', 'admin.calendars.defaultSet');
    res.redirect(`/admin/calendars/${id}`);
  });

  router.post('/:id/delete', formBody, csrfProtection, async (req, res) => {
    await calendars.remove(idParam(req), actorId(req));
    flash(req, 'success', 'admin.calendars.deleted');
    res.redirect('/admin/calendars');
  });

  return router;
}
