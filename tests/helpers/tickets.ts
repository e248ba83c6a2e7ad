// Helpers for ticket tests: act through the real pages, read what a user would see.
import type { Agent } from './app.js';
import { csrfFrom } from './app.js';

export const ticketPath = (number: number) => `/tickets/TKT-${number}`;

/** The version hidden in the ticket page's forms (what a browser would send back). */
export async function versionOf(agent: Agent, number: number): Promise<number> {
  const page = await agent.get(ticketPath(number));
  const match = /name="version" value="(\d+)"/.exec(page.text);
  if (!match?.[1]) throw new Error(`No version on ${ticketPath(number)} (status ${page.status})`);
  return Number(match[1]);
}

/** Posts one lifecycle action from the ticket page, with its token and current version. */
export async function act(agent: Agent, number: number, action: string, fields: Record<string, string> = {}) {
  const token = await csrfFrom(agent, ticketPath(number));
  const version = fields.version ?? String(await versionOf(agent, number));
  return agent
    .post(`${ticketPath(number)}/actions/${action}`)
    .type('form')
    .send({ ...fields, version, _csrf: token });
}

export async function comment(agent: Agent, number: number, body: string, options: { internal?: boolean } = {}) {
  const token = await csrfFrom(agent, ticketPath(number));
  const req = agent
    .post(`${ticketPath(number)}/comments`)
    .field('_csrf', token)
    .field('body', body);
  if (options.internal) req.field('internal', 'on');
  return req;
}

export function numberFromLocation(location: string | undefined): number {
  const match = /\/tickets\/TKT-(\d+)/.exec(location ?? '');
  if (!match?.[1]) throw new Error(`Not a ticket location: ${location}`);
  return Number(match[1]);
}
