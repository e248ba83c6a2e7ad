// The lifecycle table, checked against an expectation written out by hand from the design's
// LIFECYCLE.md (its transition table is copied into `expected` below; not derived from
// src/tickets/ticket-lifecycle.ts).
import { describe, expect, it } from 'vitest';
import type { Role, TicketStatus } from '../../src/generated/prisma/enums.js';
import {
  type Capacity,
  capacitiesOf,
  checkTransition,
  type TicketAction,
  ticketActions,
  ticketStatuses,
} from '../../src/tickets/ticket-lifecycle.js';
import { type Actor, allowedActions, mayTakeAction, type PolicyTicket } from '../../src/tickets/tickets.policy.js';

// Columns, in this order. Each cell lists who may take the action from that state:
// O = owner (the client who filed it, or their org manager), S = support (and admin),
// A = the assigned technician, Y = the system (jobs, a client's reply, automatic assignment).
// Empty = nobody.
const columns = [
  'NEW',
  'ASSIGNED',
  'IN_PROGRESS',
  'ON_HOLD',
  'PENDING_VALIDATION',
  'RESOLVED',
  'CLOSED',
  'REOPENED',
  'CANCELLED',
] as const satisfies readonly TicketStatus[];

type Row = { to: TicketStatus; cells: [string, string, string, string, string, string, string, string, string] };

// biome-ignore format: the grid is easier to check against LIFECYCLE.md when aligned
const expected: Record<TicketAction, Row> = {
  //                                                    NEW   ASSIGNED IN_PROG ON_HOLD PENDING RESOLVED CLOSED REOPENED CANCELLED
  assign:           { to: 'ASSIGNED',           cells: ['SY', '',      '',     '',     '',     '',      '',    'SY',    ''] },
  resolve_direct:   { to: 'RESOLVED',           cells: ['S',  '',      '',     '',     '',     '',      '',    'S',     ''] },
  start:            { to: 'IN_PROGRESS',        cells: ['',   'A',     '',     '',     '',     '',      '',    '',      ''] },
  reassign:         { to: 'ASSIGNED',           cells: ['',   'SA',    'SA',   'SA',   '',     '',      '',    '',      ''] },
  hold:             { to: 'ON_HOLD',            cells: ['',   '',      'SA',   '',     '',     '',      '',    '',      ''] },
  resume:           { to: 'IN_PROGRESS',        cells: ['',   '',      '',     'SAY',  '',     '',      '',    '',      ''] },
  submit_solution:  { to: 'PENDING_VALIDATION', cells: ['',   '',      'A',    '',     '',     '',      '',    '',      ''] },
  reject_solution:  { to: 'IN_PROGRESS',        cells: ['',   '',      '',     '',     'S',    '',      '',    '',      ''] },
  approve_solution: { to: 'RESOLVED',           cells: ['',   '',      '',     '',     'S',    '',      '',    '',      ''] },
  confirm:          { to: 'CLOSED',             cells: ['',   '',      '',     '',     '',     'O',     '',    '',      ''] },
  close:            { to: 'CLOSED',             cells: ['',   '',      '',     '',     '',     'SY',    '',    '',      ''] },
  reopen:           { to: 'REOPENED',           cells: ['',   '',      '',     '',     '',     'OS',    'OS',  '',      ''] },
  cancel:           { to: 'CANCELLED',          cells: ['OS', 'S',     'S',    'S',    'S',    'S',     '',    'S',     ''] },
};

const letterOf: Record<Capacity, string> = { owner: 'O', support: 'S', assignee: 'A', system: 'Y' };
const allCapacities: Capacity[] = ['owner', 'support', 'assignee', 'system'];

function cellOf(action: TicketAction, status: TicketStatus): string {
  const cell = expected[action].cells[columns.indexOf(status as (typeof columns)[number])];
  if (cell === undefined) throw new Error(`no column for ${status}`);
  return cell;
}
const mayAct = (action: TicketAction, status: TicketStatus, capacity: Capacity) =>
  cellOf(action, status).includes(letterOf[capacity]);
/** Does this capacity appear anywhere in the action's row (then a refusal is about the state)? */
const hasRoleIn = (action: TicketAction, capacity: Capacity) =>
  expected[action].cells.some((cell) => cell.includes(letterOf[capacity]));

describe('the table covers every state and action of LIFECYCLE.md', () => {
  it('has the nine states and thirteen actions', () => {
    expect([...ticketStatuses].sort()).toEqual([...columns].sort());
    expect([...ticketActions].sort()).toEqual(Object.keys(expected).sort());
  });
});

describe('checkTransition for every status × action × capacity', () => {
  const cases = ticketStatuses.flatMap((status) =>
    ticketActions.flatMap((action) =>
      allCapacities.map((capacity) => {
        const ok = mayAct(action, status, capacity);
        const verdict = ok
          ? `allows it (→ ${expected[action].to})`
          : `refuses it (${hasRoleIn(action, capacity) ? 'not_allowed_in_state' : 'not_your_role'})`;
        return {
          name: `${capacity} '${action}' on ${status} ${verdict}`,
          status,
          action,
          capacity,
          ok,
        };
      }),
    ),
  );

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, { status, action, capacity, ok }) => {
    const result = checkTransition(action, status, new Set([capacity]));
    if (ok) {
      expect(result).toEqual({ ok: true, to: expected[action].to, capacity });
    } else {
      expect(result).toEqual({
        ok: false,
        reason: hasRoleIn(action, capacity) ? 'not_allowed_in_state' : 'not_your_role',
      });
    }
  });

  it('with several capacities at once, allows the action when any of them may take it', () => {
    const subsets = Array.from({ length: 16 }, (_, mask) => allCapacities.filter((_c, i) => mask & (1 << i)));
    for (const subset of subsets) {
      for (const status of ticketStatuses) {
        for (const action of ticketActions) {
          const result = checkTransition(action, status, new Set(subset));
          const allowedBy = subset.filter((capacity) => mayAct(action, status, capacity));
          const where = `${subset.join('+') || 'nobody'} '${action}' on ${status}`;
          if (allowedBy.length > 0) {
            expect(result.ok, where).toBe(true);
            if (result.ok) {
              expect(result.to, where).toBe(expected[action].to);
              expect(allowedBy, where).toContain(result.capacity);
            }
          } else {
            const reason = subset.some((capacity) => hasRoleIn(action, capacity))
              ? 'not_allowed_in_state'
              : 'not_your_role';
            expect(result, where).toEqual({ ok: false, reason });
          }
        }
      }
    }
  });

  it('final states offer nothing but the reopen of a CLOSED ticket', () => {
    for (const action of ticketActions) {
      expect(checkTransition(action, 'CANCELLED', new Set(allCapacities)).ok).toBe(false);
      expect(checkTransition(action, 'CLOSED', new Set(allCapacities)).ok).toBe(action === 'reopen');
    }
  });
});

// Actors and tickets for the policy.
const ORG = 10;
const OTHER_ORG = 20;
const actor = (id: number, role: Role, organizationId: number | null = null, isOrgManager = false): Actor => ({
  id,
  role,
  organizationId,
  isOrgManager,
});
const admin = actor(1, 'ADMIN');
const support = actor(2, 'SUPPORT');
const technician = actor(3, 'TECHNICIAN');
const otherTechnician = actor(4, 'TECHNICIAN');
const requester = actor(5, 'CLIENT', ORG);
const colleague = actor(6, 'CLIENT', ORG);
const manager = actor(7, 'CLIENT', ORG, true);
const otherManager = actor(8, 'CLIENT', OTHER_ORG, true);
const managerWithoutOrg = actor(9, 'CLIENT', null, true);

const day = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');
const ticket = (overrides: Partial<PolicyTicket> = {}): PolicyTicket => ({
  requesterId: requester.id,
  organizationId: ORG,
  assigneeId: technician.id,
  status: 'NEW',
  closedAt: null,
  deletedAt: null,
  ...overrides,
});
const sorted = (set: Set<Capacity>) => [...set].sort();

describe('capacitiesOf', () => {
  it.each([
    ['the admin holds owner, support and assignee on any ticket', admin, ticket(), ['assignee', 'owner', 'support']],
    [
      'the admin holds them on an unassigned ticket of another org too',
      admin,
      ticket({ organizationId: OTHER_ORG, assigneeId: null }),
      ['assignee', 'owner', 'support'],
    ],
    ['support is support, never owner nor assignee', support, ticket(), ['support']],
    ['the assigned technician is the assignee', technician, ticket(), ['assignee']],
    ['another technician is nothing', otherTechnician, ticket(), []],
    ['a technician on an unassigned ticket is nothing', technician, ticket({ assigneeId: null }), []],
    ['the requester is the owner', requester, ticket(), ['owner']],
    [
      'the requester stays the owner even if the ticket has no organization',
      requester,
      ticket({ organizationId: null }),
      ['owner'],
    ],
    ['a colleague of the same org who is not manager is nothing', colleague, ticket(), []],
    ['the manager of the ticket’s org is owner', manager, ticket(), ['owner']],
    ['the manager of another org is nothing', otherManager, ticket(), []],
    [
      'a “manager” without an organization does not own tickets without one',
      managerWithoutOrg,
      ticket({ organizationId: null, requesterId: requester.id }),
      [],
    ],
  ] as const)('%s', (_name, who, on, capacities) => {
    expect(sorted(capacitiesOf(who, on))).toEqual([...capacities].sort());
  });

  it('the system is only the system', () => {
    expect(sorted(capacitiesOf('system', ticket()))).toEqual(['system']);
  });

  it('a client is never support nor assignee, whatever the ticket says', () => {
    const clientAsAssignee = ticket({ assigneeId: requester.id });
    expect(sorted(capacitiesOf(requester, clientAsAssignee))).toEqual(['owner']);
  });
});

describe('mayTakeAction: the client’s reopen window', () => {
  const rule = { reopenWindowDays: 15, now };
  const closedDaysAgo = (days: number) => ticket({ status: 'CLOSED', closedAt: new Date(now.getTime() - days * day) });

  it.each([
    ['the requester', requester],
    ['the org manager', manager],
  ] as const)('%s may reopen a ticket closed within the window', (_name, who) => {
    expect(mayTakeAction(who, closedDaysAgo(3), 'reopen', rule)).toEqual({ ok: true, to: 'REOPENED' });
    expect(mayTakeAction(who, closedDaysAgo(14.9), 'reopen', rule)).toEqual({ ok: true, to: 'REOPENED' });
  });

  it.each([
    ['the requester', requester],
    ['the org manager', manager],
  ] as const)('%s is refused with reopen_window once it was CLOSED longer ago', (_name, who) => {
    expect(mayTakeAction(who, closedDaysAgo(15.1), 'reopen', rule)).toEqual({ ok: false, reason: 'reopen_window' });
    expect(mayTakeAction(who, closedDaysAgo(400), 'reopen', rule)).toEqual({ ok: false, reason: 'reopen_window' });
  });

  it('the window follows the setting', () => {
    expect(mayTakeAction(requester, closedDaysAgo(20), 'reopen', { reopenWindowDays: 30, now }).ok).toBe(true);
    expect(mayTakeAction(requester, closedDaysAgo(2), 'reopen', { reopenWindowDays: 1, now })).toEqual({
      ok: false,
      reason: 'reopen_window',
    });
  });

  it('a CLOSED ticket without a closing date is outside the window for the client', () => {
    expect(mayTakeAction(requester, ticket({ status: 'CLOSED', closedAt: null }), 'reopen', rule)).toEqual({
      ok: false,
      reason: 'reopen_window',
    });
  });

  it('a RESOLVED ticket has no window for the client', () => {
    const resolved = ticket({ status: 'RESOLVED', closedAt: null });
    expect(mayTakeAction(requester, resolved, 'reopen', rule)).toEqual({ ok: true, to: 'REOPENED' });
  });

  it.each([
    ['support', support],
    ['the admin', admin],
  ] as const)('%s has no window', (_name, who) => {
    expect(mayTakeAction(who, closedDaysAgo(400), 'reopen', rule)).toEqual({ ok: true, to: 'REOPENED' });
  });

  it('others are refused for their role, not for the window', () => {
    expect(mayTakeAction(colleague, closedDaysAgo(400), 'reopen', rule)).toEqual({
      ok: false,
      reason: 'not_your_role',
    });
    expect(mayTakeAction(technician, closedDaysAgo(1), 'reopen', rule)).toEqual({ ok: false, reason: 'not_your_role' });
  });

  it('nothing may be done to a deleted ticket, even by the admin', () => {
    const binned = ticket({ status: 'RESOLVED', deletedAt: now });
    for (const action of ticketActions) {
      expect(mayTakeAction(admin, binned, action, rule).ok).toBe(false);
      expect(mayTakeAction('system', binned, action, rule).ok).toBe(false);
    }
  });
});

describe('allowedActions offers exactly what mayTakeAction accepts', () => {
  const people = { admin, support, technician, otherTechnician, requester, colleague, manager, otherManager };
  const variants = (status: TicketStatus): PolicyTicket[] => [
    ticket({ status }),
    ticket({ status, assigneeId: null }),
    ticket({ status, closedAt: new Date(now.getTime() - 2 * day) }),
    ticket({ status, closedAt: new Date(now.getTime() - 40 * day) }),
    ticket({ status, closedAt: null, organizationId: null }),
    ticket({ status, deletedAt: now }),
  ];
  const rule = { reopenWindowDays: 15, now };

  it.each(Object.entries(people))('for %s, in every state', (_name, who) => {
    for (const status of ticketStatuses) {
      for (const on of variants(status)) {
        const offered = allowedActions(who, on, rule);
        for (const action of offered) {
          expect(mayTakeAction(who, on, action, rule).ok, `${action} offered on ${status}`).toBe(true);
        }
        const accepted = ticketActions.filter((action) => mayTakeAction(who, on, action, rule).ok);
        expect(offered).toEqual(accepted);
      }
    }
  });

  it('does not offer a client the reopen of a ticket closed long ago', () => {
    const old = ticket({ status: 'CLOSED', closedAt: new Date(now.getTime() - 40 * day) });
    expect(allowedActions(requester, old, rule)).toEqual([]);
    expect(allowedActions(support, old, rule)).toEqual(['reopen']);
  });
});
