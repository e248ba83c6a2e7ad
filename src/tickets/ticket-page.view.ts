// The ticket page's decisions, made once here so the templates only read booleans and lists:
// which lifecycle actions to offer and which one is primary, who edits the properties, whether the
// requester's contact comes first, which internal note is the technician's proposal. Pure: the
// route passes what the service loaded (tickets.detail()) and the reference data.

import type { SessionUser } from '../auth/session-user.js';
import { avatarClassOf, initialsOf } from '../lib/avatar.js';
import { slaTargetsView } from '../sla/sla-display.js';
import type { TicketAction } from './ticket-lifecycle.js';
import { isStaff, mayRecordOnSite } from './tickets.policy.js';
import type { TicketsService } from './tickets.service.js';

type Detail = Awaited<ReturnType<TicketsService['detail']>>;
type Comment = Detail['comments'][number];
type Attachment = Detail['attachments'][number];
export type TicketPageActor = Pick<SessionUser, 'id' | 'role' | 'name'>;

/** What the page needs beyond the ticket: reference data for the forms. */
export type TicketPageExtras = {
  categories: { id: number; name: string; departmentId: number | null }[];
  departments: { id: number; name: string }[];
  priorities: readonly string[];
  technicians: { id: number; name: string; load: number; inDepartment: boolean }[];
  uploadHints: { maxMb: number; maxFiles: number };
  tab: 'conversation' | 'history';
};

export type ActionTone = 'primary' | 'secondary' | 'danger';
export type ActionButton = { action: TicketAction; tone: ActionTone; fields: readonly string[] };

/** The one action a role most likely came to the page for, in the order it is looked for. */
const primaryOrder: readonly TicketAction[] = [
  'start',
  'submit_solution',
  'resume',
  'approve_solution',
  'assign',
  'confirm',
  'close',
  'reopen',
];
const dangerActions: ReadonlySet<TicketAction> = new Set(['cancel', 'reject_solution']);
/** Each action's form inputs beyond the version (what its dialog asks). */
export const actionFields: Record<TicketAction, readonly string[]> = {
  assign: ['categoryId', 'priority', 'departmentId', 'technicianId'],
  resolve_direct: ['message'],
  start: [],
  reassign: ['technicianId', 'reason'],
  hold: ['reason'],
  resume: [],
  submit_solution: ['solution', 'attachments'],
  reject_solution: ['reason'],
  approve_solution: ['message'],
  confirm: ['rating', 'comment'],
  close: [],
  reopen: ['reason'],
  cancel: ['reason', 'duplicateOf'],
};

/** `tel:` keeps only what a dialler understands. */
const telHref = (phone: string) => `tel:${phone.replace(/[^+\d]/g, '')}`;
/** A link (not an asset): the phone's map app or OpenStreetMap's search opens the address. */
const mapHref = (address: string) => `https://www.openstreetmap.org/search?query=${encodeURIComponent(address)}`;

/** Within this many milliseconds of a `submit_solution` event, the assignee's note is its proposal. */
const SAME_MOMENT_MS = 1500;

function proposalCommentIds(detail: Detail): Set<number> {
  const ids = new Set<number>();
  const internal = detail.comments.filter((c) => c.isInternal);
  for (const event of detail.events) {
    if (event.type !== 'status' || event.action !== 'submit_solution') continue;
    const data = (event.data ?? {}) as { commentId?: unknown };
    if (typeof data.commentId === 'number') {
      ids.add(data.commentId);
      continue;
    }
    // Older events carry no comment id: the note written by the same person in the same moment.
    const at = event.createdAt.getTime();
    const match = internal.find(
      (c) =>
        !ids.has(c.id) &&
        Math.abs(c.createdAt.getTime() - at) <= SAME_MOMENT_MS &&
        (event.actor === null || c.author?.name === event.actor.name),
    );
    if (match) ids.add(match.id);
  }
  return ids;
}

/** The public message that communicated the solution (shown once, in the solution card). */
function solutionCommentId(detail: Detail): number | null {
  const { ticket } = detail;
  if (!ticket.solution || (ticket.status !== 'RESOLVED' && ticket.status !== 'CLOSED')) return null;
  for (const event of [...detail.events].reverse()) {
    if (event.type !== 'status' || (event.action !== 'approve_solution' && event.action !== 'resolve_direct')) continue;
    const data = (event.data ?? {}) as { commentId?: unknown };
    if (typeof data.commentId === 'number') return data.commentId;
    break;
  }
  const solution = ticket.solution.trim();
  const match = [...detail.comments].reverse().find((c) => !c.isInternal && c.body.trim() === solution);
  return match?.id ?? null;
}

export function buildTicketPage(detail: Detail, actor: TicketPageActor, extras: TicketPageExtras) {
  const { ticket } = detail;
  const staff = isStaff(actor);
  const isAssignee = ticket.assigneeId === actor.id;
  const allowed = new Set(detail.actions);

  // Support edits classification and the technician in the one properties form.
  const technicianChange: 'assign' | 'reassign' | null =
    detail.canEditClassification && allowed.has('assign')
      ? 'assign'
      : detail.canEditClassification && allowed.has('reassign')
        ? 'reassign'
        : null;
  const properties = {
    editable: detail.canEditClassification,
    technicianChange,
    showTechnician: technicianChange !== null,
    /** A reassignment needs a reason; a first assignment does not. */
    showReason: technicianChange === 'reassign',
  };

  const isResolvedForOwner = !staff && ticket.status === 'RESOLVED' && allowed.has('confirm');
  // The owner confirms or reopens inside the solution card, so those are not repeated in the row;
  // support reassigns in the properties form (technician + reason).
  const rowActions = detail.actions.filter(
    (action) =>
      !(action === 'reassign' && technicianChange === 'reassign') &&
      !(isResolvedForOwner && (action === 'confirm' || action === 'reopen')),
  );
  const primary = isResolvedForOwner ? 'confirm' : (primaryOrder.find((a) => rowActions.includes(a)) ?? null);
  const buttons: ActionButton[] = rowActions
    .map((action) => ({
      action,
      tone: (action === primary ? 'primary' : dangerActions.has(action) ? 'danger' : 'secondary') as ActionTone,
      fields: actionFields[action],
    }))
    .sort((a, b) => rank(a.tone) - rank(b.tone));

  const phone = ticket.requester.phone || ticket.organization?.phone || null;
  const address = ticket.organization?.address || null;
  const contact = staff
    ? {
        name: ticket.requester.name,
        initials: initialsOf(ticket.requester.name),
        avatarClass: avatarClassOf(ticket.requester.id),
        email: ticket.requester.email,
        organization: ticket.organization?.name ?? null,
        phone,
        telHref: phone ? telHref(phone) : null,
        address,
        mapHref: address ? mapHref(address) : null,
      }
    : null;

  const proposals = staff ? proposalCommentIds(detail) : new Set<number>();
  const solutionId = solutionCommentId(detail);
  const filesByComment = new Map<number | null, Attachment[]>();
  for (const file of detail.attachments) {
    const list = filesByComment.get(file.commentId);
    if (list) list.push(file);
    else filesByComment.set(file.commentId, [file]);
  }
  const lastProposal = [...proposals].pop();
  const conversation = detail.comments.map((c: Comment) => ({
    id: c.id,
    body: c.body,
    createdAt: c.createdAt,
    authorName: c.author?.name ?? null,
    ruleName: c.ruleName ?? null,
    authorRoleKey: c.author ? `roles.${c.author.role}` : null,
    initials: c.author ? initialsOf(c.author.name) : '·',
    avatarClass: c.author ? avatarClassOf(c.author.id) : 'avatar-system',
    isInternal: c.isInternal,
    isStaffAuthor: c.author !== null && isStaff(c.author),
    isProposal: proposals.has(c.id),
    /** Only the latest proposal of a ticket awaiting validation is still pending. */
    isPendingProposal: c.id === lastProposal && ticket.status === 'PENDING_VALIDATION',
    isSolution: c.id === solutionId,
    files: filesByComment.get(c.id) ?? [],
  }));

  const showSolution = Boolean(ticket.solution) && (ticket.status === 'RESOLVED' || ticket.status === 'CLOSED');

  return {
    ...detail,
    ...extras,
    viewer: {
      isStaff: staff,
      /** Staff see internal notes and the requester's contact. */
      canSeeInternal: staff,
      breadcrumbKey: `tickets.breadcrumb.${actor.role}`,
      /** On a phone the assigned technician needs the primary action and how to reach the client first. */
      contactFirst: actor.role === 'TECHNICIAN' && isAssignee && contact !== null,
      /** The client of a resolved ticket is told to reopen instead of replying (unless the card offers it). */
      showResolvedHint:
        !staff &&
        ticket.status === 'RESOLVED' &&
        !detail.commentRights.public &&
        !(isResolvedForOwner && allowed.has('reopen')),
    },
    properties,
    /** The assignee is away now (an absence): staff see it beside their name; clients are not told. */
    assigneeAbsent: staff && ticket.assignee?.isAbsent === true,
    primaryAction: primary,
    actionButtons: buttons,
    /** Actions that ask for input open a dialog (or, without JavaScript, their own page). */
    dialogActions: [
      ...buttons.filter((b) => b.fields.length > 0).map((b) => b.action),
      ...(isResolvedForOwner && allowed.has('reopen') ? (['reopen'] as TicketAction[]) : []),
    ],
    contact,
    /** "Llegué al sitio" for the technician holding the ticket, until it is recorded. */
    onSite: {
      canRecord: mayRecordOnSite(actor, ticket).ok,
      at: ticket.onSiteAt,
    },
    /** Staff see the SLA's targets; a client never sees contract details here. */
    sla:
      staff && ticket.slaPolicyName !== null ? { policyName: ticket.slaPolicyName, ...slaTargetsView(ticket) } : null,
    requesterInitials: initialsOf(ticket.requester.name),
    requesterAvatarClass: avatarClassOf(ticket.requester.id),
    originalFiles: filesByComment.get(null) ?? [],
    conversation,
    solutionCard: showSolution
      ? {
          text: ticket.solution ?? '',
          rating: ticket.rating,
          ratingComment: ticket.ratingComment,
          /** The owner confirms here: «Confirmar» primary, «Reabrir» secondary, rating labelled. */
          confirmHere: isResolvedForOwner,
          reopenHere: isResolvedForOwner && allowed.has('reopen'),
        }
      : null,
  };
}

function rank(tone: ActionTone): number {
  return tone === 'primary' ? 0 : tone === 'secondary' ? 1 : 2;
}

export type TicketPage = ReturnType<typeof buildTicketPage>;
