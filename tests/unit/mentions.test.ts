import { describe, expect, it } from 'vitest';
import { parseMentions } from '../../src/tickets/mentions.js';

describe('parseMentions', () => {
  it.each([
    ['@tecnico, can you look?', { emails: [], localParts: ['tecnico'] }],
    ['Ask @Tecnico.', { emails: [], localParts: ['tecnico'] }],
    ['cc @tecnico@demo.local and @soporte', { emails: ['tecnico@demo.local'], localParts: ['soporte'] }],
    ['(@juan_perez) and @ana.maria', { emails: [], localParts: ['juan_perez', 'ana.maria'] }],
    ['@a @a @A', { emails: [], localParts: ['a'] }],
  ])('%s', (body, expected) => {
    expect(parseMentions(body)).toEqual(expected);
  });

  it.each([
    'write to tecnico@demo.local',
    'no handle: @ alone',
    'price 5@10',
    'e-mail cliente@empresa.com.ar please',
    'ñ@tecnico',
  ])('finds nobody in %s', (body) => {
    expect(parseMentions(body)).toEqual({ emails: [], localParts: [] });
  });

  it('stops at twenty mentions', () => {
    const body = Array.from({ length: 30 }, (_, i) => `@user${i}`).join(' ');
    expect(parseMentions(body).localParts).toHaveLength(20);
  });
});
