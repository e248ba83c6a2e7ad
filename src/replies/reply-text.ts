// A canned reply's text: which language variant a reader gets, and its variables filled in. Pure:
// the service passes what it loaded. The result is plain text for the reply box, escaped on output
// like any comment — nothing here is HTML.
import type { Language } from '../lib/i18n.js';
import type { TicketAction } from '../tickets/ticket-lifecycle.js';

/**
 * The lifecycle actions a reply may carry: those that ask for nothing but the reply itself. The
 * reply becomes the action's own public message where the action has one (a hold's reason, a
 * solution's message); otherwise it is posted as a comment with the action, in one transaction.
 */
export const cannedActions = ['hold', 'resume', 'resolve_direct', 'approve_solution', 'close'] as const;
export type CannedAction = (typeof cannedActions)[number] & TicketAction;

/** The action's input field the reply text fills, for actions that post their own public message. */
export const cannedActionText: Partial<Record<CannedAction, 'reason' | 'message'>> = {
  hold: 'reason',
  resolve_direct: 'message',
  approve_solution: 'message',
};

export const isCannedAction = (value: unknown): value is CannedAction =>
  typeof value === 'string' && (cannedActions as readonly string[]).includes(value);

export const replyVariables = [
  'ticket.number',
  'ticket.subject',
  'requester.name',
  'agent.name',
  'ticket.dueAt',
] as const;
export type ReplyVariable = (typeof replyVariables)[number];

const variablePattern = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const isKnown = (name: string): name is ReplyVariable => (replyVariables as readonly string[]).includes(name);

/** Variables a text uses that no ticket fills (left as typed; shown to the author as a hint). */
export function unknownVariables(...texts: (string | null)[]): string[] {
  const unknown = new Set<string>();
  for (const text of texts) {
    for (const match of (text ?? '').matchAll(variablePattern)) {
      if (!isKnown(match[1] as string)) unknown.add(match[0]);
    }
  }
  return [...unknown];
}

/** Known variables replaced; anything else stays exactly as typed. */
export function fillVariables(text: string, values: Record<ReplyVariable, string>): string {
  return text.replace(variablePattern, (whole, name: string) => (isKnown(name) ? values[name] : whole));
}

export type ReplyBodies = { bodyEs: string | null; bodyEn: string | null; bodyPtBr: string | null };

const bodyByLanguage: [Language, keyof ReplyBodies][] = [
  ['es', 'bodyEs'],
  ['en', 'bodyEn'],
  ['pt-BR', 'bodyPtBr'],
];

/** The reader's variant if the reply has one, else the first it has (es, en, pt-BR). */
export function pickBody(reply: ReplyBodies, reader: Language): { language: Language; body: string } {
  const own = bodyByLanguage.find(([language]) => language === reader);
  if (own && reply[own[1]] !== null) return { language: reader, body: reply[own[1]] as string };
  for (const [language, key] of bodyByLanguage) {
    const body = reply[key];
    if (body !== null) return { language, body };
  }
  return { language: reader, body: '' };
}

/** The languages a reply has a text for (the list shows them). */
export const languagesOf = (reply: ReplyBodies): Language[] =>
  bodyByLanguage.filter(([, key]) => reply[key] !== null).map(([language]) => language);
