// Runs one record of the lifecycle table: the only code that writes a ticket's `status`.
// params → scoped load → version → table + guards → the record's effects (validated against the
// database) → one transaction: compare-and-set, counters, comment, files, history, "ticket changed".
import type { PreparedUpload } from '../attachments/upload.js';
import type { Role } from '../generated/prisma/enums.js';
import { AppError } from '../lib/errors.js';
import type { ChangeComment, FieldChange, TicketChange, Tx } from './ticket-changes.js';
import { type ActionInput, type Effects, lifecycle, type TicketAction } from './ticket-lifecycle.js';
import { queueRankOf, urgencyOf } from './ticket-statuses.js';
import {
  attachFiles,
  causeOf,
  classificationChanges,
  compareAndSet,
  createLookups,
  isSystemActor,
  type LoadedTicket,
  lifecycleRules,
  loadScoped,
  moveCounters,
  type RuleActor,
  ruleMark,
  ruleOf,
  type StoredFile,
  type SystemActor,
  stale,
  type TicketDeps,
  validated,
  withStoredFiles,
} from './ticket-writes.js';
import { type Actor, mayTakeAction, type PolicyTicket } from './tickets.policy.js';

/** A transition checked and worked out, ready to be written (possibly inside another use case's transaction). */
export type TransitionPlan = {
  ticket: LoadedTicket;
  action: TicketAction;
  actorId: number | null;
  actorRole: Role | null;
  effects: Effects;
  now: Date;
  /** The rule taking the action on the system's behalf, if any. */
  rule: RuleActor | null;
};

/**
 * The table's and its guards' answer, as the error a refused action gets: 403 not your role, 409
 * not in this state or past the reopen window. The action's own page (no JavaScript) asks it too.
 */
export function assertMayTakeAction(
  actor: Actor | SystemActor,
  ticket: PolicyTicket,
  action: TicketAction,
  rules: { reopenWindowDays: number },
): void {
  const check = mayTakeAction(actor, ticket, action, rules);
  if (check.ok) return;
  if (check.reason === 'not_your_role') {
    throw new AppError('FORBIDDEN', 'tickets.errors.forbiddenAction', { params: { action } });
  }
  if (check.reason === 'reopen_window') {
    throw new AppError('CONFLICT', 'tickets.errors.reopenWindow', { params: { days: rules.reopenWindowDays } });
  }
  throw new AppError('CONFLICT', 'tickets.errors.notAllowedInState', { params: { action, status: ticket.status } });
}

/** Checks the table, its guards and the input against the database; writes nothing. */
export async function planTransition<A extends TicketAction>(
  deps: TicketDeps,
  actor: Actor | SystemActor,
  ticket: LoadedTicket,
  action: A,
  input: ActionInput[A],
): Promise<TransitionPlan> {
  // A form from a page that is no longer current is stale, whatever the action: the fresh page
  // (re-rendered with the message) shows what may be done now.
  if (input.version !== ticket.version) throw stale();
  assertMayTakeAction(actor, ticket, action, await lifecycleRules(deps.settings));
  const now = new Date();
  const record = lifecycle[action] as unknown as (typeof lifecycle)['start'];
  const effects = await validated(() =>
    record.effects({ ticket, input: input as ActionInput['start'], now, look: createLookups(deps.prisma, actor) }),
  );
  return {
    ticket,
    action,
    actorId: isSystemActor(actor) ? null : actor.id,
    actorRole: isSystemActor(actor) ? null : actor.role,
    effects,
    now,
    rule: ruleOf(actor),
  };
}

/** Writes a planned transition inside `tx` and tells the subscribers; refused if the ticket moved on. */
export async function applyTransition(
  tx: Tx,
  deps: TicketDeps,
  plan: TransitionPlan,
  files: StoredFile[] = [],
): Promise<TicketChange> {
  const { ticket, action, effects, now, actorId, actorRole } = plan;
  const byRule = plan.rule ? ruleMark(plan.rule) : {};
  const to = lifecycle[action].to;
  const data: Record<string, unknown> = {
    ...effects.set,
    status: to,
    queueRank: queueRankOf(to),
    // The rules' "N hours in status X" counts from here (a self-transition starts a new stay too).
    statusChangedAt: now,
  };
  const fields: FieldChange[] = [];

  if (effects.classification) {
    const next = effects.classification;
    fields.push(...classificationChanges(ticket, next));
    Object.assign(data, {
      categoryId: next.categoryId,
      departmentId: next.departmentId,
      priority: next.priority,
      urgency: urgencyOf(next.priority),
    });
  }
  const assignee = effects.assignee && effects.assignee.id !== ticket.assigneeId ? effects.assignee : null;
  if (assignee) {
    data.assigneeId = assignee.id;
    fields.push({ field: 'assigneeId', from: ticket.assigneeId, to: assignee.id });
  }
  // Leaving ON_HOLD by any way (resume, reassign, cancel) ends the pause and counts its time.
  if (ticket.status === 'ON_HOLD') {
    const held = ticket.onHoldSince ? Math.round((now.getTime() - ticket.onHoldSince.getTime()) / 1000) : 0;
    Object.assign(data, { holdReason: null, onHoldSince: null, onHoldSeconds: { increment: Math.max(0, held) } });
  }
  // The first response is the first public message from staff to the client, nothing else.
  const byStaff = actorRole !== null && actorRole !== 'CLIENT';
  if (effects.comment && !effects.comment.isInternal && byStaff && !ticket.firstResponseAt) {
    data.firstResponseAt = now;
  }

  await compareAndSet(tx, ticket, data);
  // The state just written (the compare-and-set holds the row), as the counters count it.
  const assigneeId = assignee?.id ?? ticket.assigneeId;
  await moveCounters(tx, { from: ticket, to: { status: to, assigneeId } });
  if (assignee) {
    await tx.ticketAssigneeHistory.createMany({
      data: [{ ticketId: ticket.id, userId: assignee.id }],
      skipDuplicates: true,
    });
  }
  let comment: ChangeComment | null = null;
  if (effects.comment && actorId !== null) {
    const created = await tx.comment.create({
      data: {
        ticketId: ticket.id,
        authorId: actorId,
        body: effects.comment.body,
        isInternal: effects.comment.isInternal,
      },
      select: { id: true },
    });
    comment = { id: created.id, body: effects.comment.body, isInternal: effects.comment.isInternal };
  }
  if (actorId !== null && effects.acceptsFiles) {
    await attachFiles(tx, ticket.id, actorId, files, {
      commentId: comment?.id,
      isInternal: comment?.isInternal ?? true,
    });
  }
  await tx.ticketEvent.createMany({
    data: [
      {
        ticketId: ticket.id,
        actorId,
        type: 'status',
        action,
        from: ticket.status,
        to,
        isInternal: false,
        data: {
          ...byRule,
          ...effects.data,
          ...(comment ? { commentId: comment.id } : {}),
          ...(effects.comment?.isProposal ? { proposal: true } : {}),
        },
      },
      ...(assignee
        ? [
            {
              ticketId: ticket.id,
              actorId,
              type: 'assigned',
              action,
              from: null,
              to: assignee.name,
              isInternal: false,
              data: byRule,
            },
          ]
        : []),
      // Category, priority and department chosen with the action are in the history like any edit.
      ...fields
        .filter((change) => change.field !== 'assigneeId')
        .map((change) => ({
          ticketId: ticket.id,
          actorId,
          type: 'field',
          action,
          from: change.from === null ? null : String(change.from),
          to: change.to === null ? null : String(change.to),
          isInternal: false,
          data: { field: change.field, ...byRule },
        })),
    ],
  });
  const change: TicketChange = {
    kind: 'transition',
    ticketId: ticket.id,
    number: ticket.number,
    actorId,
    actorRole,
    at: now,
    requesterId: ticket.requesterId,
    assigneeId,
    previousAssigneeId: ticket.assigneeId,
    action,
    from: ticket.status,
    to,
    fields,
    comment,
    ...(plan.rule ? causeOf(plan.rule) : {}),
  };
  await deps.hooks.emit(tx, change);
  return change;
}

/**
 * The use case behind every lifecycle button: a change against a stale version, or one the table
 * refuses, changes nothing.
 */
export function createTransitionTicket(deps: TicketDeps) {
  return async function transitionTicket<A extends TicketAction>(
    actor: Actor | SystemActor,
    number: number,
    action: A,
    input: ActionInput[A],
    uploads: PreparedUpload[] = [],
  ): Promise<void> {
    const ticket = await loadScoped(deps.prisma, actor, number);
    const plan = await planTransition(deps, actor, ticket, action, input);
    await withStoredFiles(deps.storage, plan.effects.acceptsFiles ? uploads : [], (files) =>
      deps.prisma.$transaction((tx) => applyTransition(tx, deps, plan, files)),
    );
  };
}
