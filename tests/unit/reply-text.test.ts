// A canned reply's text: the reader's language variant or the first there is, known variables
// filled, anything else left exactly as typed.
import { describe, expect, it } from 'vitest';
import { fillVariables, pickBody, unknownVariables } from '../../src/replies/reply-text.js';

const values = {
  'ticket.number': 'TKT-1001',
  'ticket.subject': 'Cámara sin imagen',
  'requester.name': 'Juan',
  'agent.name': 'Sofía',
  'ticket.dueAt': '(sin fecha comprometida)',
};

describe('pickBody', () => {
  const reply = { bodyEs: 'Hola', bodyEn: 'Hello', bodyPtBr: null };
  it("gives the reader's variant when there is one", () => {
    expect(pickBody(reply, 'en')).toEqual({ language: 'en', body: 'Hello' });
  });
  it('falls back to the first variant (es, en, pt-BR) when the reader has none', () => {
    expect(pickBody(reply, 'pt-BR')).toEqual({ language: 'es', body: 'Hola' });
    expect(pickBody({ bodyEs: null, bodyEn: null, bodyPtBr: 'Olá' }, 'es')).toEqual({ language: 'pt-BR', body: 'Olá' });
  });
});

describe('fillVariables', () => {
  it('fills the known variables, with or without spaces inside the braces', () => {
    expect(fillVariables('{{ticket.number}} {{ requester.name }} {{agent.name}}', values)).toBe('TKT-1001 Juan Sofía');
  });
  it('leaves unknown ones exactly as typed, and does not fill what a value brings in', () => {
    expect(fillVariables('{{ticket.id}} {{ requester.email }}', values)).toBe('{{ticket.id}} {{ requester.email }}');
    expect(fillVariables('{{ticket.subject}}', { ...values, 'ticket.subject': '{{agent.name}}' })).toBe(
      '{{agent.name}}',
    );
  });
});

describe('unknownVariables', () => {
  it('lists each unknown variable once, over every language', () => {
    expect(unknownVariables('{{a.b}} {{ticket.number}}', null, '{{a.b}} {{c}}')).toEqual(['{{a.b}}', '{{c}}']);
    expect(unknownVariables('Sin variables', null, null)).toEqual([]);
  });
});
