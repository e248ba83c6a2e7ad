// The rule engine. Durable, like the notifications:
//
// 1. Record: the "ticket changed" subscriber (and the SLA sweep, and the time trigger) writes one
//    OutboxMessage of kind 'rule' in the SAME transaction as the change — the event to evaluate,
//    with its causal chain (depth, rule ids). A crash loses nothing: the row commits with the change
//    or not at all. The mail worker claims only kind 'notification', so the two never meet.
// 2. Claim: drain() takes a batch of due rows in one UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP
//    LOCKED) that pushes their nextAttemptAt forward (a lease): several processes claim disjoint
//    rows, and no transaction stays open while the actions run (the actions are use cases with
//    their own transactions; on the embedded database a held transaction would block them).
// 3. Evaluate outside any transaction: the ticket as it is now, the active rules of the trigger in
//    the admin's order, each at most once per event (one pass). Before a rule's actions run, its
//    RuleRun row is inserted with the unique key (event, rule): an event claimed again after a
//    crash never runs a rule twice (at most once per rule; a rule cut short by the crash shows
//    "running" in its log).
// 4. Settle: the row is marked done; an unexpected error retries it with a backoff (5 attempts).
//
// The NOTIFY on the outbox channel (delivered on commit) wakes every process's drain, so a rule
// applies within a moment of the change; the job's interval is the fallback.
import type { AppContext } from '../context.js';
import type { Prisma } from '../generated/prisma/client.js';
import type { Role } from '../generated/prisma/enums.js';
import { AppError } from '../lib/errors.js';
import { enqueueNotification, OUTBOX_CHANNEL } from '../notifications/outbox.js';
import type { TicketChange, Tx } from '../tickets/ticket-changes.js';
import type { RuleActor } from '../tickets/ticket-writes.js';
import type { TicketsService } from '../tickets/tickets.service.js';
import {
  actionsOf,
  isRuleTrigger,
  MAX_DEPTH,
  matches,
  type RuleAction,
  type RuleDefinition,
  type RuleSubject,
  type RuleTrigger,
  triggerOf,
} from './rules.js';

/**
 * The department's automatic assignment (src/assignment/auto-assign.ts), injected at the
 * composition root. It is given the rule as its second argument: passed on to transitionTicket as
 * the actor, the assignment shows the rule's name and carries its causal chain (a one-argument
 * function fits too; its `assign` is then audited as plain system and starts a new chain).
 */
export type AssignByDepartment = (
  ticketNumber: number,
  actor?: RuleActor,
) => Promise<{ assigned: { id: number; name: string } } | { skipped: string }>;

export type RuleEngineDeps = {
  tickets: Pick<TicketsService, 'transitionTicket' | 'updateProperties' | 'addComment'>;
  /** A shared canned reply's text for a ticket (in its requester's language, variables filled). */
  renderReply: (replyId: number, ticketNumber: number) => Promise<string>;
  assignByDepartment?: AssignByDepartment;
};

/** The event a rule outbox row carries. */
export type RuleEvent = {
  trigger: RuleTrigger;
  depth: number;
  /** The rules whose actions led to this event, oldest first. */
  chain: number[];
  /** A time trigger's event is for its one rule, and the stay it fired for. */
  ruleId?: number;
  stayStart?: string;
};

export type RuleOutcome = 'applied' | 'refused' | 'loop_cut';

const priorities: readonly string[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
const BATCH = 20;
const LEASE_MS = 5 * 60_000;
const MAX_ATTEMPTS = 5;
const iso = (date: Date) => date.toISOString();

/** Writes the event to evaluate in the caller's transaction, and wakes the workers on commit. */
export async function recordRuleEvent(
  tx: Pick<Tx, 'outboxMessage' | '$executeRaw'>,
  ticketId: number,
  event: RuleEvent,
): Promise<void> {
  await tx.outboxMessage.create({
    data: { kind: 'rule', topic: event.trigger, ticketId, payload: event as unknown as Prisma.InputJsonValue },
  });
  await tx.$executeRaw`SELECT pg_notify(${OUTBOX_CHANNEL}, '')`;
}

/** Is any active rule listening for this trigger? (A handful of rows: no event row otherwise.) */
async function anyRuleFor(tx: Pick<Tx, '$queryRaw'>, trigger: RuleTrigger): Promise<boolean> {
  const rows = await tx.$queryRaw<{ one: number }[]>`
    SELECT 1 AS one FROM "Rule" WHERE "isActive" AND "trigger" = ${trigger} LIMIT 1`;
  return rows.length > 0;
}

/** The "ticket changed" subscriber: one rule event per change that stands for a trigger. */
export async function onTicketChangeForRules(tx: Tx, change: TicketChange) {
  const trigger = triggerOf(change);
  if (!trigger || !(await anyRuleFor(tx, trigger))) return;
  await recordRuleEvent(tx, change.ticketId, {
    trigger,
    depth: change.cause?.depth ?? 0,
    chain: change.cause?.chain ?? [],
  });
}

/** The SLA sweep's hook (sla-sweep.ts): a warning or breach crossing, in the sweep's transaction. */
export async function onSlaCrossing(tx: Tx, crossing: { ticketId: number; kind: 'WARNING' | 'BREACH' }) {
  const trigger: RuleTrigger = crossing.kind === 'WARNING' ? 'sla_warning' : 'sla_breach';
  if (!(await anyRuleFor(tx, trigger))) return;
  await recordRuleEvent(tx, crossing.ticketId, { trigger, depth: 0, chain: [] });
}

const ruleSelect = {
  id: true,
  name: true,
  position: true,
  isActive: true,
  trigger: true,
  timeStatus: true,
  timeHours: true,
  priorities: true,
  categoryIds: true,
  departmentIds: true,
  organizationIds: true,
  channels: true,
  subjectContains: true,
  descriptionContains: true,
  actions: true,
} as const;

export const toDefinition = (row: Omit<RuleDefinition, 'actions'> & { actions: unknown }): RuleDefinition => ({
  ...row,
  actions: actionsOf(row.actions),
});

const subjectSelect = {
  id: true,
  number: true,
  version: true,
  status: true,
  statusChangedAt: true,
  priority: true,
  categoryId: true,
  departmentId: true,
  organizationId: true,
  channel: true,
  subject: true,
  description: true,
  assigneeId: true,
} as const;

/** Why an action was refused, as the admin's log shows it (an i18n key and its params). */
function refusal(action: RuleAction, error: unknown): string {
  if (error instanceof AppError) {
    const fields = Object.entries(error.fieldErrors).map(([field, e]) => ({ field, key: e.key }));
    return JSON.stringify({ action: action.type, key: error.messageKey, params: error.options.params ?? {}, fields });
  }
  throw error;
}

export function createRuleEngine(ctx: Pick<AppContext, 'db' | 'logger'>, deps: RuleEngineDeps) {
  const { prisma } = ctx.db;
  let draining: Promise<number> | null = null;
  let again = false;

  async function claim(now: Date) {
    const until = new Date(now.getTime() + LEASE_MS);
    return prisma.$queryRaw<{ id: bigint; ticketId: number | null; payload: Prisma.JsonValue; attempts: number }[]>`
      UPDATE "OutboxMessage" SET "nextAttemptAt" = (${iso(until)}::timestamptz AT TIME ZONE 'UTC'),
             "attempts" = "attempts" + 1
      WHERE id IN (
        SELECT id FROM "OutboxMessage"
        WHERE kind = 'rule' AND "sentAt" IS NULL AND "failedAt" IS NULL
          AND "nextAttemptAt" <= (${iso(now)}::timestamptz AT TIME ZONE 'UTC')
        ORDER BY "nextAttemptAt", id
        LIMIT ${BATCH}
        FOR UPDATE SKIP LOCKED
      )
      RETURNING id, "ticketId", payload, attempts`;
  }

  function eventOf(payload: Prisma.JsonValue): RuleEvent | null {
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
    const p = payload as Record<string, unknown>;
    if (!isRuleTrigger(p.trigger)) return null;
    return {
      trigger: p.trigger,
      depth: typeof p.depth === 'number' ? p.depth : 0,
      chain: Array.isArray(p.chain) ? p.chain.filter((id): id is number => typeof id === 'number') : [],
      ruleId: typeof p.ruleId === 'number' ? p.ruleId : undefined,
      stayStart: typeof p.stayStart === 'string' ? p.stayStart : undefined,
    };
  }

  async function log(
    rule: { id: number },
    eventId: bigint | null,
    ticket: { id: number; number: number },
    trigger: string,
    outcome: RuleOutcome | 'running',
    detail: string | null = null,
  ): Promise<bigint | null> {
    const rows = await prisma.$queryRaw<{ id: bigint }[]>`
      INSERT INTO "RuleRun" ("ruleId", "eventId", "ticketId", "ticketNumber", "trigger", "outcome", "detail", "at")
      VALUES (${rule.id}, ${eventId}, ${ticket.id}, ${ticket.number}, ${trigger}, ${outcome}, ${detail},
              (${iso(new Date())}::timestamptz AT TIME ZONE 'UTC'))
      ON CONFLICT ("eventId", "ruleId") DO NOTHING
      RETURNING id`;
    return rows[0]?.id ?? null;
  }

  /** Runs one action as the rule; throws an AppError when the ticket services refuse it. */
  async function runAction(actor: RuleActor, action: RuleAction, ticketId: number): Promise<string | null> {
    const ticket = await prisma.ticket.findUnique({ where: { id: ticketId }, select: subjectSelect });
    if (!ticket) throw new AppError('NOT_FOUND', 'errors.notFound');
    const current = {
      version: ticket.version,
      categoryId: ticket.categoryId,
      priority: ticket.priority,
      departmentId: ticket.departmentId,
      technicianId: null,
      reason: null,
    };
    const id = (value: string | undefined) => (value && /^\d+$/.test(value) ? Number(value) : null);
    switch (action.type) {
      case 'set_priority':
        if (!priorities.includes(action.value as RuleSubject['priority'])) {
          throw new AppError('VALIDATION', 'validation.invalidChoice');
        }
        await deps.tickets.updateProperties(actor, ticket.number, {
          ...current,
          priority: action.value as RuleSubject['priority'],
        });
        return null;
      case 'set_category':
        await deps.tickets.updateProperties(actor, ticket.number, { ...current, categoryId: id(action.value) });
        return null;
      case 'set_department':
        await deps.tickets.updateProperties(actor, ticket.number, { ...current, departmentId: id(action.value) });
        return null;
      case 'close':
        await deps.tickets.transitionTicket(actor, ticket.number, 'close', { version: ticket.version });
        return null;
      case 'internal_note':
        await deps.tickets.addComment(actor, ticket.number, { body: action.value ?? '', internal: true }, []);
        return null;
      case 'canned_reply': {
        const replyId = id(action.value);
        if (replyId === null) throw new AppError('VALIDATION', 'rules.errors.noReply');
        const body = await deps.renderReply(replyId, ticket.number);
        await deps.tickets.addComment(actor, ticket.number, { body, internal: false }, []);
        return null;
      }
      case 'assign': {
        // The department's method runs the table's `assign` as the system (see AssignByDepartment).
        if (!deps.assignByDepartment) throw new AppError('CONFLICT', 'rules.errors.noAutoAssign');
        const result = await deps.assignByDepartment(ticket.number, actor);
        if ('skipped' in result) throw new AppError('CONFLICT', 'rules.errors.assignSkipped', { params: result });
        return result.assigned.name;
      }
      case 'notify': {
        const value = action.value ?? '';
        const userId = value.startsWith('user:') ? id(value.slice(5)) : null;
        const role = value.startsWith('role:') ? (value.slice(5) as Role) : null;
        await prisma.$transaction((tx) =>
          enqueueNotification(
            tx,
            'rule.notify',
            {
              number: ticket.number,
              actorId: null,
              rule: actor.name,
              userIds: userId !== null ? [userId] : value === 'assignee' ? [ticket.assigneeId] : [],
              role,
            },
            ticket.id,
          ),
        );
        return null;
      }
    }
  }

  /** Evaluates one event: every active rule of its trigger, in order, each at most once. */
  async function evaluate(eventId: bigint | null, ticketId: number, event: RuleEvent): Promise<void> {
    let ticket = await prisma.ticket.findFirst({ where: { id: ticketId, deletedAt: null }, select: subjectSelect });
    if (!ticket) return;
    const rules = (
      await prisma.rule.findMany({
        where: { isActive: true, trigger: event.trigger, ...(event.ruleId !== undefined ? { id: event.ruleId } : {}) },
        orderBy: [{ position: 'asc' }, { id: 'asc' }],
        select: ruleSelect,
      })
    ).map(toDefinition);
    for (const rule of rules) {
      // A time event is for the stay it fired in: a ticket that has moved on since is left alone.
      if (event.stayStart !== undefined && ticket.statusChangedAt.toISOString() !== event.stayStart) continue;
      if (!matches(rule, ticket)) continue;
      if (event.chain.includes(rule.id) || event.depth >= MAX_DEPTH) {
        const detail = JSON.stringify({ depth: event.depth, chain: event.chain });
        await log(rule, eventId, ticket, event.trigger, 'loop_cut', detail);
        ctx.logger.warn({ rule: rule.id, ticket: ticket.number, ...event }, 'rule loop cut');
        continue;
      }
      const runId = await log(rule, eventId, ticket, event.trigger, 'running');
      if (eventId !== null && runId === null) continue; // already run for this event
      const actor: RuleActor = {
        kind: 'rule',
        ruleId: rule.id,
        name: rule.name,
        depth: event.depth + 1,
        chain: [...event.chain, rule.id],
      };
      let outcome: RuleOutcome = 'applied';
      const details: string[] = [];
      for (const action of rule.actions) {
        try {
          const note = await runAction(actor, action, ticket.id);
          if (note) details.push(note);
        } catch (error) {
          // Refused by the table, the policy or a check: nothing of this action was written (its
          // use case's one transaction), and the rule's later actions are not attempted.
          outcome = 'refused';
          details.push(refusal(action, error));
          break;
        }
      }
      await prisma.ruleRun.update({
        where: { id: runId as bigint },
        data: { outcome, detail: details.length > 0 ? details.join('\n').slice(0, 1000) : null },
      });
      await prisma.rule.update({ where: { id: rule.id }, data: { lastRunAt: new Date() } });
      const fresh = await prisma.ticket.findFirst({ where: { id: ticketId, deletedAt: null }, select: subjectSelect });
      if (!fresh) return;
      ticket = fresh;
    }
  }

  async function settle(id: bigint, attempts: number, error: unknown | null) {
    if (error === null) {
      await prisma.outboxMessage.update({ where: { id }, data: { sentAt: new Date() } });
      return;
    }
    ctx.logger.error({ err: error, outboxId: id.toString() }, 'rule evaluation failed');
    const message = (error instanceof Error ? error.message : String(error)).slice(0, 1000);
    await prisma.outboxMessage.update({
      where: { id },
      data:
        attempts >= MAX_ATTEMPTS
          ? { failedAt: new Date(), lastError: message }
          : { lastError: message, nextAttemptAt: new Date(Date.now() + 30_000 * 2 ** (attempts - 1)) },
    });
  }

  async function drainOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await claim(new Date());
      if (rows.length === 0) return total;
      rows.sort((a, b) => (a.id < b.id ? -1 : 1));
      for (const row of rows) {
        const event = eventOf(row.payload);
        let failure: unknown | null = null;
        try {
          if (event && row.ticketId !== null) await evaluate(row.id, row.ticketId, event);
        } catch (error) {
          failure = error;
        }
        await settle(row.id, row.attempts, failure);
      }
      total += rows.length;
    }
  }

  return {
    /**
     * Evaluates every pending rule event (tests call it; the job and the wake-up do too). Calls
     * made while a drain runs in this process ask it to go round once more instead of racing it.
     */
    async drain(): Promise<number> {
      if (draining) {
        again = true;
        return draining;
      }
      draining = (async () => {
        let total = 0;
        do {
          again = false;
          total += await drainOnce();
        } while (again);
        return total;
      })().finally(() => {
        draining = null;
      });
      return draining;
    },
    /** For the dry run and tests: would `rule` match this ticket now? */
    matches,
  };
}

export type RuleEngine = ReturnType<typeof createRuleEngine>;
