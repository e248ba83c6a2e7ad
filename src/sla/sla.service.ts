// SLA on every ticket change: a subscriber of the ticket-change hook that, inside the change's own
// transaction, picks the policy, recomputes the ticket's clock (sla-clock.ts) and stores its due
// instants, and writes a history entry when the policy that applies changes. Policies and
// calendars come from a per-process copy (cleared by referenceChanged(), like reference data), so
// a ticket change costs two statements here: the ticket's facts and the update.
import type { AppContext } from '../context.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Channel, Priority, TicketStatus } from '../generated/prisma/enums.js';
import { registerCache } from '../reference/reference-data.js';
import { defaultSettings } from '../settings/settings.service.js';
import type { TicketChange, Tx } from '../tickets/ticket-changes.js';
import { aroundTheClock, type Calendar } from './business-time.js';
import { calendarSelect, DEFAULT_CALENDAR_SETTING, type StoredCalendar, toCalendar } from './calendars.service.js';
import { computeSlaClock, type SlaClock, statusPauses } from './sla-clock.js';
import { pickPolicy, type SlaPolicyRule } from './sla-policies.js';

const MAX_AGE_MS = 60_000;

export type SlaReference = {
  policies: SlaPolicyRule[];
  calendars: Map<number, StoredCalendar>;
  departmentCalendar: Map<number, number>;
  defaultCalendarId: number | null;
  /** Share of a target elapsed at its warning (Setting "slaWarnPercent"). */
  warnPercent: number;
};

type FactsRow = {
  id: number;
  status: TicketStatus;
  priority: Priority;
  channel: Channel;
  categoryId: number | null;
  departmentId: number | null;
  organizationId: number | null;
  createdAt: Date;
  firstResponseAt: Date | null;
  onSiteAt: Date | null;
  awaitingReplySince: Date | null;
  deletedAt: Date | null;
  slaPolicyId: number | null;
  /** No due instant stored: nothing to clear when no policy applies. */
  blank: boolean;
  changes: unknown;
};

/** Minutes as the history says them: "4 h", "90 min", "2 d 4 h". */
export function formatMinutes(minutes: number): string {
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days ? `${days} d` : '', hours ? `${hours} h` : '', rest ? `${rest} min` : ''].filter(Boolean);
  return parts.join(' ') || '0 min';
}

/** "Crítico · 4 h": the policy and its resolution target, for the history. */
const policyLabel = (policy: SlaPolicyRule | null) =>
  policy === null
    ? '—'
    : `${policy.name}${policy.resolutionMinutes !== null ? ` · ${formatMinutes(policy.resolutionMinutes)}` : ''}`.slice(
        0,
        200,
      );

export function createSlaService(ctx: AppContext) {
  const prisma: PrismaClient = ctx.db.prisma;
  let cached: { at: number; value: Promise<SlaReference> } | null = null;
  registerCache(() => {
    cached = null;
  });

  // Read one statement after another on `db`: called inside a ticket change's transaction, the
  // copy is loaded on that transaction's own connection. (Asking the pool for more while holding
  // one starved it under load: every writer waiting for a connection another writer held.)
  async function load(db: Pick<PrismaClient, 'slaPolicy' | 'businessCalendar' | 'department' | 'setting'>) {
    const policies = await db.slaPolicy.findMany({
      where: { isActive: true },
      orderBy: [{ position: 'asc' }, { id: 'asc' }],
    });
    const calendars = await db.businessCalendar.findMany({ select: calendarSelect });
    const departments = await db.department.findMany({
      where: { calendarId: { not: null } },
      select: { id: true, calendarId: true },
    });
    const settings = await db.setting.findMany({
      where: { key: { in: [DEFAULT_CALENDAR_SETTING, 'slaWarnPercent'] } },
    });
    const setting = (key: string) => settings.find((row) => row.key === key)?.value;
    const warn = setting('slaWarnPercent');
    const defaultId = setting(DEFAULT_CALENDAR_SETTING);
    return {
      policies,
      calendars: new Map(calendars.map((row) => [row.id, toCalendar(row)])),
      departmentCalendar: new Map(departments.map((d) => [d.id, d.calendarId as number])),
      defaultCalendarId: typeof defaultId === 'number' ? defaultId : null,
      warnPercent: typeof warn === 'number' && warn > 0 && warn < 100 ? warn : defaultSettings.slaWarnPercent,
    };
  }

  function reference(db: Parameters<typeof load>[0] = prisma): Promise<SlaReference> {
    if (!cached || Date.now() - cached.at > MAX_AGE_MS) {
      const value = load(db);
      cached = { at: Date.now(), value };
      value.catch(() => {
        if (cached?.value === value) cached = null;
      });
    }
    return cached.value;
  }

  function calendarFor(ref: SlaReference, departmentId: number | null): Calendar {
    const own = departmentId === null ? undefined : ref.departmentCalendar.get(departmentId);
    return (
      (own !== undefined ? ref.calendars.get(own) : undefined) ??
      (ref.defaultCalendarId !== null ? ref.calendars.get(ref.defaultCalendarId) : undefined) ??
      ref.calendars.values().next().value ??
      aroundTheClock
    );
  }

  /**
   * Recomputes one ticket's SLA inside `tx` (after the change's own writes) and stores it.
   * `awaiting` moves the next-response start: a client's public reply starts it (unless one is
   * already waiting), a staff public reply ends it.
   */
  async function recompute(
    tx: Tx,
    ticketId: number,
    awaiting: 'client' | 'staff' | null,
    at: Date,
  ): Promise<{ clock: SlaClock; policy: SlaPolicyRule } | null> {
    // A copy another transaction was loading failed with it: this one reads its own.
    const ref = await reference(tx).catch(() => load(tx));
    const rows = await tx.$queryRaw<FactsRow[]>`
        SELECT t."id", t."status"::text AS "status", t."priority"::text AS "priority", t."channel"::text AS "channel",
               t."categoryId", t."departmentId", t."organizationId", t."createdAt", t."firstResponseAt",
               t."onSiteAt", t."awaitingReplySince", t."deletedAt", t."slaPolicyId",
               (t."firstResponseDueAt" IS NULL AND t."nextResponseDueAt" IS NULL AND t."resolutionDueAt" IS NULL
                AND t."onSiteDueAt" IS NULL AND t."slaDueAt" IS NULL AND t."slaCheckAt" IS NULL) AS "blank",
               (SELECT coalesce(json_agg(json_build_object('at', e."createdAt", 'from', e."from", 'to', e."to")
                                         ORDER BY e."createdAt", e."id"), '[]')
                  FROM "TicketEvent" e WHERE e."ticketId" = t."id" AND e."type" = 'status') AS "changes"
          FROM "Ticket" t WHERE t."id" = ${ticketId}`;
    const row = rows[0];
    if (!row) return null;
    const awaitingReplySince =
      awaiting === 'client' ? (row.awaitingReplySince ?? at) : awaiting === 'staff' ? null : row.awaitingReplySince;
    const policy = pickPolicy(ref.policies, row);
    // No policy, none before, nothing stored: the common case without SLAs writes nothing.
    if (policy === null && row.slaPolicyId === null && row.blank && awaitingReplySince === row.awaitingReplySince)
      return null;
    const changes = (typeof row.changes === 'string' ? JSON.parse(row.changes) : row.changes) as {
      at: string;
      from: string | null;
      to: string | null;
    }[];
    const clock: SlaClock | null = policy
      ? computeSlaClock(
          policy,
          calendarFor(ref, row.departmentId),
          {
            status: row.status,
            createdAt: row.createdAt,
            firstResponseAt: row.firstResponseAt,
            onSiteAt: row.onSiteAt,
            awaitingReplySince,
            deleted: row.deletedAt !== null,
            // Timestamps inside JSON are UTC written without a zone.
            pauses: statusPauses(changes.map((c) => ({ ...c, at: new Date(/[zZ]$/.test(c.at) ? c.at : `${c.at}Z`) }))),
          },
          ref.warnPercent,
        )
      : null;
    const dueOf = (target: string) => clock?.targets.find((t) => t.target === target)?.dueAt ?? null;
    await tx.$executeRaw`
      UPDATE "Ticket" SET "slaPolicyId" = ${policy?.id ?? null},
             "firstResponseDueAt" = ${dueOf('FIRST_RESPONSE')}, "nextResponseDueAt" = ${dueOf('NEXT_RESPONSE')},
             "resolutionDueAt" = ${dueOf('RESOLUTION')}, "onSiteDueAt" = ${dueOf('ON_SITE')},
             "awaitingReplySince" = ${awaitingReplySince},
             "slaDueAt" = ${clock?.dueAt ?? null}, "slaWarnAt" = ${clock?.warnAt ?? null},
             "slaCheckAt" = ${clock?.checkAt ?? null}
       WHERE "id" = ${ticketId}`;
    if ((policy?.id ?? null) !== row.slaPolicyId && (row.slaPolicyId !== null || policy !== null)) {
      const previous = ref.policies.find((p) => p.id === row.slaPolicyId) ?? null;
      await tx.ticketEvent.create({
        data: {
          ticketId,
          actorId: null,
          type: 'sla',
          // Contract details are staff-only; a client sees "within / outside SLA" in their list.
          isInternal: true,
          from: row.slaPolicyId === null ? null : previous ? policyLabel(previous) : '—',
          to: policyLabel(policy),
          createdAt: at,
        },
      });
    }
    return clock && policy ? { clock, policy } : null;
  }

  async function onTicketChange(tx: Tx, change: TicketChange): Promise<void> {
    let awaiting: 'client' | 'staff' | null = null;
    const comment = change.kind === 'comment' || change.kind === 'transition' ? change.comment : null;
    if (comment && !comment.isInternal) awaiting = change.actorRole === 'CLIENT' ? 'client' : 'staff';
    await recompute(tx, change.ticketId, awaiting, change.at);
  }

  return { reference, calendarFor, recompute, onTicketChange };
}

export type SlaService = ReturnType<typeof createSlaService>;
