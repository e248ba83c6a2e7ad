// Which SLA policy applies (pickPolicy), why the others do not (the admin's preview), and the
// policy form's durations.
import { describe, expect, it } from 'vitest';
import { pickPolicy, policyMatches, type SlaPolicyRule, type SlaSubject } from '../../src/sla/sla-policies.js';
import {
  formatDuration,
  MAX_TARGET_MINUTES,
  parseDuration,
  slaPolicyFormValues,
  ZSlaPolicyForm,
} from '../../src/sla/sla-policies.schema.js';
import { explainPick, firstMiss } from '../../src/sla/sla-policy-preview.js';

let nextId = 1;
function policy(overrides: Partial<SlaPolicyRule> = {}): SlaPolicyRule {
  const id = overrides.id ?? nextId++;
  return {
    id,
    name: `P${id}`,
    position: id,
    isActive: true,
    priorities: [],
    categoryIds: [],
    departmentIds: [],
    organizationIds: [],
    channels: [],
    businessHours: true,
    escalationUserId: null,
    firstResponseMinutes: 60,
    nextResponseMinutes: null,
    resolutionMinutes: 480,
    onSiteMinutes: null,
    ...overrides,
  };
}

const ticket = (overrides: Partial<SlaSubject> = {}): SlaSubject => ({
  priority: 'MEDIUM',
  categoryId: null,
  departmentId: null,
  organizationId: null,
  channel: 'WEB',
  ...overrides,
});

describe('pickPolicy', () => {
  it('takes the first matching policy by position, whatever order they come in', () => {
    const critical = policy({ position: 1, priorities: ['CRITICAL'] });
    const anyTicket = policy({ position: 2 });
    const later = policy({ position: 3, priorities: ['CRITICAL'] });
    expect(pickPolicy([later, anyTicket, critical], ticket({ priority: 'CRITICAL' }))).toBe(critical);
    expect(pickPolicy([later, anyTicket, critical], ticket({ priority: 'LOW' }))).toBe(anyTicket);
  });

  it('breaks a tie in position by id', () => {
    const first = policy({ id: 500, position: 1 });
    const second = policy({ id: 501, position: 1 });
    expect(pickPolicy([second, first], ticket())).toBe(first);
  });

  it('treats an empty condition as "any" and needs every non-empty one to hold', () => {
    const phoneCritical = policy({ position: 1, priorities: ['CRITICAL'], channels: ['PHONE'] });
    expect(policyMatches(phoneCritical, ticket({ priority: 'CRITICAL', channel: 'PHONE' }))).toBe(true);
    expect(policyMatches(phoneCritical, ticket({ priority: 'CRITICAL', channel: 'WEB' }))).toBe(false);
    expect(policyMatches(phoneCritical, ticket({ priority: 'HIGH', channel: 'PHONE' }))).toBe(false);
    expect(policyMatches(policy(), ticket({ organizationId: 7, categoryId: 3 }))).toBe(true);
  });

  it('skips an inactive policy even when its conditions hold', () => {
    const off = policy({ position: 1, isActive: false, priorities: ['HIGH'] });
    const fallback = policy({ position: 2 });
    expect(pickPolicy([off, fallback], ticket({ priority: 'HIGH' }))).toBe(fallback);
    expect(pickPolicy([off], ticket({ priority: 'HIGH' }))).toBeNull();
  });

  it('a ticket without a category does not meet a category condition, but meets an empty one', () => {
    const cameras = policy({ position: 1, categoryIds: [4, 5] });
    const anyTicket = policy({ position: 2 });
    expect(pickPolicy([cameras, anyTicket], ticket({ categoryId: null }))).toBe(anyTicket);
    expect(pickPolicy([cameras, anyTicket], ticket({ categoryId: 5 }))).toBe(cameras);
    expect(pickPolicy([cameras, anyTicket], ticket({ categoryId: 6 }))).toBe(anyTicket);
  });

  it('the same holds for department and organization', () => {
    const contract = policy({ position: 1, organizationIds: [10], departmentIds: [2] });
    expect(policyMatches(contract, ticket({ organizationId: 10, departmentId: 2 }))).toBe(true);
    expect(policyMatches(contract, ticket({ organizationId: null, departmentId: 2 }))).toBe(false);
    expect(policyMatches(contract, ticket({ organizationId: 10, departmentId: null }))).toBe(false);
  });

  it('returns null when no policy matches, and for no policies at all', () => {
    expect(pickPolicy([policy({ priorities: ['CRITICAL'] })], ticket())).toBeNull();
    expect(pickPolicy([], ticket())).toBeNull();
  });
});

describe('the preview explains each policy passed over', () => {
  it('names the first failing condition in the form order, and stops at the one that applies', () => {
    const off = policy({ position: 1, isActive: false });
    const critical = policy({ position: 2, priorities: ['CRITICAL'], channels: ['PHONE'] });
    const cameras = policy({ position: 3, priorities: ['HIGH'], categoryIds: [9] });
    const contract = policy({ position: 4, organizationIds: [1] });
    const anyTicket = policy({ position: 5 });
    const after = policy({ position: 6 });
    const subject = ticket({ priority: 'HIGH', categoryId: null, organizationId: 2, channel: 'EMAIL' });
    const result = explainPick([after, anyTicket, contract, cameras, critical, off], subject);
    expect(result.picked).toBe(anyTicket);
    expect(result.passedOver.map(({ policy: p, miss }) => [p.id, miss])).toEqual([
      [off.id, 'inactive'],
      [critical.id, 'priority'],
      [cameras.id, 'category'],
      [contract.id, 'organization'],
    ]);
  });

  it('lists every policy when none applies', () => {
    const a = policy({ position: 1, departmentIds: [3] });
    const b = policy({ position: 2, channels: ['API'] });
    const result = explainPick([a, b], ticket({ departmentId: 4 }));
    expect(result.picked).toBeNull();
    expect(result.passedOver.map((item) => item.miss)).toEqual(['department', 'channel']);
  });

  it('agrees with policyMatches on every combination of a small grid', () => {
    const policies = [
      policy({ priorities: ['CRITICAL', 'HIGH'] }),
      policy({ categoryIds: [1] }),
      policy({ departmentIds: [1], channels: ['PHONE'] }),
      policy({ organizationIds: [1], isActive: false }),
      policy({ organizationIds: [1] }),
      policy(),
    ];
    for (const priority of ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const)
      for (const categoryId of [null, 1, 2])
        for (const departmentId of [null, 1])
          for (const organizationId of [null, 1])
            for (const channel of ['WEB', 'PHONE'] as const) {
              const subject = { priority, categoryId, departmentId, organizationId, channel };
              for (const p of policies) expect(firstMiss(p, subject) === null).toBe(policyMatches(p, subject));
            }
  });
});

describe('durations', () => {
  it.each([
    ['1h', 60],
    ['4h 30m', 270],
    ['4h30m', 270],
    ['90m', 90],
    ['90 min', 90],
    ['2d', 2880],
    ['1d 2h', 1560],
    ['1,5 h', 90],
    ['1.5h', 90],
    ['1:30', 90],
    ['8 horas', 480],
    ['2 días', 2880],
    ['3 HOURS', 180],
  ])('%s is %i minutes', (text, minutes) => {
    expect(parseDuration(text)).toBe(minutes);
  });

  it.each(['8', 'h', '1h 30', 'una hora', '1w', '1h-2h', ''])('"%s" is not a duration', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('formats minutes back in the same syntax, days only on calendar time', () => {
    expect(formatDuration(270, { days: true })).toBe('4h 30m');
    expect(formatDuration(2880, { days: true })).toBe('2d');
    expect(formatDuration(2880, { days: false })).toBe('48h');
    expect(formatDuration(45, { days: false })).toBe('45m');
    for (const minutes of [1, 59, 60, 61, 1439, 1440, 1500, 2400, MAX_TARGET_MINUTES]) {
      for (const days of [true, false]) expect(parseDuration(formatDuration(minutes, { days }))).toBe(minutes);
    }
  });
});

describe('the policy form', () => {
  const base = { name: '  Crítico  ', firstResponse: '1h' };

  it('trims the name, keeps enum choices in the form order, and stores minutes', () => {
    const form = ZSlaPolicyForm.parse({
      ...base,
      priorities: ['HIGH', 'CRITICAL'],
      channels: 'PHONE',
      categoryIds: ['3', '1', '3'],
      organizations: 'Banco Sur\n\n  banco sur \nClínica Norte',
      resolution: '4h',
      businessHours: 'on',
    });
    expect(form).toMatchObject({
      name: 'Crítico',
      priorities: ['CRITICAL', 'HIGH'],
      channels: ['PHONE'],
      categoryIds: [3, 1],
      departmentIds: [],
      organizationNames: ['Banco Sur', 'Clínica Norte'],
      firstResponseMinutes: 60,
      nextResponseMinutes: null,
      resolutionMinutes: 240,
      onSiteMinutes: null,
      businessHours: true,
      escalationUserId: null,
    });
  });

  it.each([
    [{ firstResponse: '' }, 'targets', 'slaNeedsTarget'],
    [{ firstResponse: 'pronto' }, 'firstResponse', 'invalidDuration'],
    [{ onSite: '0m' }, 'onSite', 'durationOutOfRange'],
    [{ resolution: '366d' }, 'resolution', 'durationOutOfRange'],
    [{ priorities: ['URGENT'] }, 'priorities', 'invalidChoice'],
    [{ channels: 'FAX' }, 'channels', 'invalidChoice'],
    [{ name: 'x'.repeat(81) }, 'name', 'tooLong'],
  ])('refuses %o on %s', (change, field, message) => {
    const result = ZSlaPolicyForm.safeParse({ ...base, ...change });
    expect(result.success).toBe(false);
    expect(result.error?.issues.find((issue) => issue.path[0] === field)?.message).toBe(message);
  });

  it('shows a stored policy as the form would send it back', () => {
    const stored = policy({ priorities: ['HIGH'], categoryIds: [2], businessHours: false, onSiteMinutes: 1440 });
    const values = slaPolicyFormValues(stored, ['Banco Sur']);
    expect(values).toMatchObject({ firstResponse: '1h', resolution: '8h', onSite: '1d', nextResponse: '' });
    const again = ZSlaPolicyForm.parse({ ...values, businessHours: values.businessHours ? 'on' : undefined });
    expect(again).toMatchObject({
      priorities: ['HIGH'],
      categoryIds: [2],
      organizationNames: ['Banco Sur'],
      firstResponseMinutes: 60,
      resolutionMinutes: 480,
      onSiteMinutes: 1440,
      businessHours: false,
    });
  });
});
