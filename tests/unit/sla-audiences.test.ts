import { describe, expect, it } from 'vitest';
import { audiencesFor } from '../../src/notifications/recipients.js';

const ticket = { requesterId: 1, assigneeId: 7 };

describe('who hears of an SLA crossing', () => {
  it('a warning: the technician on the ticket and support, never the client', () => {
    const audiences = audiencesFor('sla.warning', { number: 1001 }, ticket, null);
    expect(audiences).toEqual([
      { userIds: [7], kind: 'slaWarning', staffWhoSeeIt: true },
      { support: true, kind: 'slaWarning' },
    ]);
    expect(audiences.flatMap((a) => a.userIds ?? [])).not.toContain(ticket.requesterId);
  });

  it("a breach: support, the admins and the policy's escalation contact", () => {
    expect(audiencesFor('sla.breach', { number: 1001, escalationUserId: 42 }, ticket, null)).toEqual([
      { support: true, kind: 'slaBreach' },
      { admins: true, kind: 'slaBreach' },
      { userIds: [42], kind: 'slaBreach', staffWhoSeeIt: true },
    ]);
  });
});
