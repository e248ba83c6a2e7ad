// Admin pages: users, organizations, departments, categories, settings, demo data.
// Routes parse and render; rules live in the services.
import { type Request, Router } from 'express';
import { z } from 'zod';
import type { AttachmentStorage } from '../attachments/storage.js';
import type { AppContext } from '../context.js';
import { removeDemoData } from '../demo/demo.service.js';
import { assignMethods, ZCategory, ZDepartment } from '../departments/departments.schema.js';
import type { DepartmentsService } from '../departments/departments.service.js';
import { flash } from '../lib/flash.js';
import { pageRequestFrom } from '../lib/pagination.js';
import { idParam } from '../lib/params.js';
import { checkbox, parseForm, searchText, text } from '../lib/validate.js';
import { requireRole } from '../middleware/auth.js';
import { formBody } from '../middleware/body.js';
import { csrfProtection } from '../middleware/csrf.js';
import { formView } from '../middleware/error-handler.js';
import { ZOrganization } from '../organizations/organizations.schema.js';
import type { OrganizationsService } from '../organizations/organizations.service.js';
import { inboundUnknownSenderPolicies, isValidTimeZone } from '../settings/settings.service.js';
import type { CalendarsService } from '../sla/calendars.service.js';
import { ZCreateUser, ZResetPassword, ZUpdateUser, ZUserFilters } from '../users/users.schema.js';
import type { UsersService } from '../users/users.service.js';
import { adminOverview } from './overview.service.js';

type Services = {
  users: UsersService;
  organizations: OrganizationsService;
  departments: DepartmentsService;
  storage: AttachmentStorage;
  calendars: CalendarsService;
};

const actorId = (req: Request) => (req.user as Express.User).id;

const days = (min: number, max: number) =>
  z
    .string()
    .trim()
    .refine((value) => /^\d{1,3}$/.test(value), { error: 'wholeNumber' })
    .transform(Number)
    .refine((value) => value >= min && value <= max, { error: 'outOfRange', params: { min, max } });

const ZSettings = z.object({
  helpdeskName: text({ max: 80 }),
  registrationEnabled: checkbox(),
  timeZone: text({ max: 64 }).refine(isValidTimeZone, { error: 'invalidTimeZone' }),
  reopenWindowDays: days(0, 365),
  inboundUnknownSender: z.enum(inboundUnknownSenderPolicies, { error: 'invalidChoice' }),
});

export function adminRouter(ctx: AppContext, services: Services): Router {
  const { users, organizations, departments } = services;
  const router = Router();
  router.use(requireRole('ADMIN'));

  // A user's retired departments stay on their form, so saving it does not silently drop them.
  const userFormData = async (keepDepartmentIds: number[] = []) => ({
    organizations: await organizations.options(),
    departments: await departments.departmentOptions(keepDepartmentIds),
  });

  // The admin's home: the desk at a glance, and shortcuts into configuration.
  router.get('/', async (_req, res) => {
    res.render('admin/overview', await adminOverview(ctx.db.prisma));
  });

  // Users
  router.get('/users', async (req, res) => {
    const filters = ZUserFilters.parse(req.query);
    const page = await users.list(filters, pageRequestFrom(req.query, 25, 'string'));
    res.render('admin/users/list', { filters, page });
  });
  router.get('/users/new', async (_req, res) => {
    res.render('admin/users/form', { ...(await userFormData()), editing: null, values: { role: 'CLIENT' } });
  });
  router.post(
    '/users',
    formBody,
    csrfProtection,
    formView('admin/users/form', async () => ({ ...(await userFormData()), editing: null })),
    async (req, res) => {
      const input = parseForm(ZCreateUser, req.body, req.invalidUtf8Fields);
      const user = await users.create(input, actorId(req));
      flash(req, 'success', 'admin.users.created', { name: input.name });
      res.redirect(`/admin/users/${user.id}`);
    },
  );
  router.get('/users/:id', async (req, res) => {
    const user = await users.get(idParam(req));
    res.render('admin/users/form', { ...(await userFormData(user.departmentIds)), editing: user, values: user });
  });
  router.post(
    '/users/:id',
    formBody,
    csrfProtection,
    formView('admin/users/form', async (_req, res) => ({ ...(await userFormData(res.locals.editing?.departmentIds)) })),
    async (req, res) => {
      const id = idParam(req);
      res.locals.editing = await users.get(id);
      const input = parseForm(ZUpdateUser, req.body, req.invalidUtf8Fields);
      await users.update(id, input, actorId(req));
      flash(req, 'success', 'admin.users.saved', { name: input.name });
      res.redirect(`/admin/users/${id}`);
    },
  );
  router.post('/users/:id/deactivate', formBody, csrfProtection, async (req, res) => {
    const id = idParam(req);
    await users.setActive(id, false, actorId(req));
    flash(req, 'success', 'admin.users.deactivated');
    res.redirect(`/admin/users/${id}`);
  });
  router.post('/users/:id/confirm-email', formBody, csrfProtection, async (req, res) => {
    const id = idParam(req);
    await users.confirmEmail(id, actorId(req));
    flash(req, 'success', 'admin.users.emailConfirmed');
    res.redirect(`/admin/users/${id}`);
  });
  router.post('/users/:id/reactivate', formBody, csrfProtection, async (req, res) => {
    const id = idParam(req);
    await users.setActive(id, true, actorId(req));
    flash(req, 'success', 'admin.users.reactivated');
    res.redirect(`/admin/users/${id}`);
  });
  router.post(
    '/users/:id/password',
    formBody,
    csrfProtection,
    formView('admin/users/form', async (_req, res) => ({
      ...(await userFormData(res.locals.editing?.departmentIds)),
      values: res.locals.editing,
    })),
    async (req, res) => {
      const id = idParam(req);
      const user = await users.get(id);
      res.locals.editing = user;
      const input = parseForm(ZResetPassword, req.body, req.invalidUtf8Fields);
      await users.resetPassword(id, input.password, actorId(req));
      flash(req, 'success', 'admin.users.passwordReset', { name: user.name });
      res.redirect(`/admin/users/${id}`);
    },
  );

  // Organizations
  router.get('/organizations', async (req, res) => {
    const q = searchText().parse(req.query.q);
    const page = await organizations.list({ q }, pageRequestFrom(req.query, 25, 'string'));
    res.render('admin/organizations/list', { filters: { q }, page });
  });
  const orgFormData = async () => ({ parents: await organizations.options() });
  router.get('/organizations/new', async (_req, res) => {
    res.render('admin/organizations/form', { ...(await orgFormData()), editing: null });
  });
  router.post(
    '/organizations',
    formBody,
    csrfProtection,
    formView('admin/organizations/form', async () => ({ ...(await orgFormData()), editing: null })),
    async (req, res) => {
      const input = parseForm(ZOrganization, req.body, req.invalidUtf8Fields);
      await organizations.create(input, actorId(req));
      flash(req, 'success', 'admin.organizations.created', { name: input.name });
      res.redirect('/admin/organizations');
    },
  );
  router.get('/organizations/:id', async (req, res) => {
    const org = await organizations.get(idParam(req));
    res.render('admin/organizations/form', { ...(await orgFormData()), editing: org, values: org });
  });
  router.post(
    '/organizations/:id',
    formBody,
    csrfProtection,
    formView('admin/organizations/form', orgFormData),
    async (req, res) => {
      const id = idParam(req);
      res.locals.editing = await organizations.get(id);
      const input = parseForm(ZOrganization, req.body, req.invalidUtf8Fields);
      await organizations.update(id, input, actorId(req));
      flash(req, 'success', 'admin.organizations.saved', { name: input.name });
      res.redirect('/admin/organizations');
    },
  );
  router.post('/organizations/:id/delete', formBody, csrfProtection, async (req, res) => {
    await organizations.remove(idParam(req), actorId(req));
    flash(req, 'success', 'admin.organizations.deleted');
    res.redirect('/admin/organizations');
  });

  // Departments
  router.get('/departments', async (_req, res) => {
    res.render('admin/departments/list', { departments: await departments.listDepartments() });
  });
  const departmentFormData = async () => ({ calendars: await services.calendars.options(), assignMethods });
  router.get('/departments/new', async (_req, res) => {
    res.render('admin/departments/form', {
      ...(await departmentFormData()),
      editing: null,
      values: { isActive: true },
    });
  });
  router.get('/departments/:id', async (req, res) => {
    const department = await departments.getDepartment(idParam(req));
    res.render('admin/departments/form', { ...(await departmentFormData()), editing: department, values: department });
  });
  const saveDepartment = (isNew: boolean) => [
    formBody,
    csrfProtection,
    formView('admin/departments/form', departmentFormData),
    async (req: Request, res: import('express').Response) => {
      const id = isNew ? null : idParam(req);
      res.locals.editing = id === null ? null : await departments.getDepartment(id);
      const input = parseForm(ZDepartment, req.body, req.invalidUtf8Fields);
      await departments.saveDepartment(id, input, actorId(req));
      flash(req, 'success', 'admin.departments.saved', { name: input.name });
      res.redirect('/admin/departments');
    },
  ];
  router.post('/departments', ...saveDepartment(true));
  router.post('/departments/:id', ...saveDepartment(false));

  // Categories
  router.get('/categories', async (_req, res) => {
    res.render('admin/categories/list', { categories: await departments.listCategories() });
  });
  // A category's retired department stays on its form, so saving it does not silently clear it.
  const categoryFormData = async (keepDepartmentId: number | null = null) => ({
    departments: await departments.departmentOptions(keepDepartmentId === null ? [] : [keepDepartmentId]),
  });
  router.get('/categories/new', async (_req, res) => {
    res.render('admin/categories/form', { ...(await categoryFormData()), editing: null, values: { isActive: true } });
  });
  router.get('/categories/:id', async (req, res) => {
    const category = await departments.getCategory(idParam(req));
    res.render('admin/categories/form', {
      ...(await categoryFormData(category.departmentId)),
      editing: category,
      values: category,
    });
  });
  const saveCategory = (isNew: boolean) => [
    formBody,
    csrfProtection,
    formView('admin/categories/form', (_req, res) => categoryFormData(res.locals.editing?.departmentId ?? null)),
    async (req: Request, res: import('express').Response) => {
      const id = isNew ? null : idParam(req);
      res.locals.editing = id === null ? null : await departments.getCategory(id);
      const input = parseForm(ZCategory, req.body, req.invalidUtf8Fields);
      await departments.saveCategory(id, input, actorId(req));
      flash(req, 'success', 'admin.categories.saved', { name: input.name });
      res.redirect('/admin/categories');
    },
  ];
  router.post('/categories', ...saveCategory(true));
  router.post('/categories/:id', ...saveCategory(false));

  // Settings and demo data
  router.get('/settings', async (_req, res) => {
    res.render('admin/settings', { values: await ctx.settings.get() });
  });
  router.post('/settings', formBody, csrfProtection, formView('admin/settings'), async (req, res) => {
    const input = parseForm(ZSettings, req.body, req.invalidUtf8Fields);
    await ctx.settings.update(input, actorId(req));
    flash(req, 'success', 'admin.settings.saved');
    res.redirect('/admin/settings');
  });
  router.post('/demo/remove', formBody, csrfProtection, async (req, res) => {
    await removeDemoData(ctx.db.prisma, actorId(req), (key) => services.storage.remove(key));
    flash(req, 'success', 'admin.demo.removed');
    res.redirect('/admin/settings');
  });

  return router;
}
