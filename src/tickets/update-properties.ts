// The properties panel of the ticket page, saved as one form: category, priority and department,
// and the technician. Choosing a technician is a lifecycle action (assign on a new or reopened
// ticket, reassign — with its reason — on an assigned one), run through the table in the same
// transaction as the other edits.
import { AppError, forbidden, validationError } from '../lib/errors.js';
import type { FieldChange, Tx } from './ticket-changes.js';
import { isFinal, urgencyOf } from './ticket-statuses.js';
import {
  causeOf,
  classificationChanges,
  compareAndSet,
  createLookups,
  type LoadedTicket,
  lifecycleRules,
  loadScoped,
  type RuleActor,
  ruleMark,
  ruleOf,
  stale,
  type TicketDeps,
  validated,
} from './ticket-writes.js';
import { type Actor, canEditClassification, mayTakeAction } from './tickets.policy.js';
import type { TProperties } from './tickets.schema.js';
import { applyTransition, planTransition, type TransitionPlan } from './transition-ticket.js';

export function createUpdateProperties(deps: TicketDeps) {
  const { prisma } = deps;

  /** The classification edits, checked against the database (active category and department). */
  async function checkedChanges(actor: Actor | RuleActor, ticket: LoadedTicket, input: TProperties) {
    const look = createLookups(prisma, actor);
    await validated(async () => {
      if (input.categoryId !== null) await look.category(input.categoryId);
      await look.department(input.departmentId);
    });
    return classificationChanges(ticket, input);
  }

  async function writeClassification(
    tx: Tx,
    actor: Actor | RuleActor,
    ticket: LoadedTicket,
    input: TProperties,
    fields: FieldChange[],
  ) {
    await compareAndSet(tx, ticket, {
      categoryId: input.categoryId,
      departmentId: input.departmentId,
      priority: input.priority,
      urgency: urgencyOf(input.priority),
    });
    const person = ruleOf(actor) ? null : (actor as Actor);
    await tx.ticketEvent.createMany({
      data: fields.map((change) => ({
        ticketId: ticket.id,
        actorId: person?.id ?? null,
        type: 'field',
        from: change.from === null ? null : String(change.from),
        to: change.to === null ? null : String(change.to),
        data: { field: change.field, ...ruleMark(actor) },
      })),
    });
    await deps.hooks.emit(tx, {
      ...causeOf(actor),
      kind: 'properties',
      ticketId: ticket.id,
      number: ticket.number,
      actorId: person?.id ?? null,
      actorRole: person?.role ?? null,
      at: new Date(),
      requesterId: ticket.requesterId,
      assigneeId: ticket.assigneeId,
      status: ticket.status,
      fields,
    });
  }

  /**
   * A rule's "set priority / category / department" (src/rules/): the same checks as a person's
   * edit — not on a final ticket, only active choices, the version — and the same history, with
   * the rule's name. A rule never picks a technician here (its "assign" follows the department).
   */
  async function asRule(actor: RuleActor, number: number, input: TProperties): Promise<void> {
    const ticket = await loadScoped(prisma, actor, number);
    if (isFinal(ticket.status) || ticket.deletedAt) throw new AppError('CONFLICT', 'tickets.errors.finalTicket');
    if (input.version !== ticket.version) throw stale();
    const fields = await checkedChanges(actor, ticket, input);
    if (fields.length === 0) return;
    await prisma.$transaction((tx) => writeClassification(tx, actor, ticket, input, fields));
  }

  return async function updateProperties(actor: Actor | RuleActor, number: number, input: TProperties): Promise<void> {
    if ('kind' in actor) return asRule(actor, number, input);
    if (!canEditClassification(actor)) throw forbidden();
    const ticket = await loadScoped(prisma, actor, number);
    if (isFinal(ticket.status) || ticket.deletedAt) throw new AppError('CONFLICT', 'tickets.errors.finalTicket');
    if (input.version !== ticket.version) throw stale();

    const technicianId = input.technicianId ?? null;
    const rules = await lifecycleRules(deps.settings);
    const changesTechnician = technicianId !== null && technicianId !== ticket.assigneeId;
    // Assigning sets category, priority and department itself (and records each change).
    const assigns = changesTechnician && mayTakeAction(actor, ticket, 'assign', rules).ok;
    const fields = assigns ? [] : await checkedChanges(actor, ticket, input);
    let plan: TransitionPlan | null = null;
    if (changesTechnician && assigns) {
      if (input.categoryId === null) throw validationError({ categoryId: { key: 'validation.required' } });
      plan = await planTransition(deps, actor, ticket, 'assign', {
        version: ticket.version,
        categoryId: input.categoryId,
        priority: input.priority,
        technicianId,
        departmentId: input.departmentId,
      });
    } else if (changesTechnician && mayTakeAction(actor, ticket, 'reassign', rules).ok) {
      if (!input.reason) throw validationError({ reason: { key: 'validation.required' } });
      // Planned as of the version the classification edit (if any) leaves behind.
      const after = fields.length > 0 ? { ...ticket, version: ticket.version + 1 } : ticket;
      plan = await planTransition(deps, actor, after, 'reassign', {
        version: after.version,
        technicianId,
        reason: input.reason,
      });
    } else if (changesTechnician) {
      throw validationError({ technicianId: { key: 'validation.invalidChoice' } });
    }
    if (!plan && fields.length === 0) return;
    await prisma.$transaction(async (tx) => {
      if (fields.length > 0) await writeClassification(tx, actor, ticket, input, fields);
      if (plan) {
        const current = fields.length > 0 ? { ...plan.ticket, ...classifiedAs(input) } : plan.ticket;
        await applyTransition(tx, deps, { ...plan, ticket: current });
      }
    });
  };
}

/** The ticket's classification after the edit, so the transition compares against what is now stored. */
function classifiedAs(input: TProperties) {
  return { categoryId: input.categoryId, priority: input.priority, departmentId: input.departmentId };
}
