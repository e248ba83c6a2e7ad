import { describe, expect, it } from 'vitest';
import { type Candidate, pickTechnician } from '../../src/assignment/pick-technician.js';

const tech = (id: number, openCount = 0): Candidate => ({ id, name: `T${id}`, openCount });

describe('round-robin', () => {
  const team = [tech(7), tech(3), tech(12)];
  it.each([
    [null, 3],
    [3, 7],
    [7, 12],
    [12, 3],
    // The last one served has left the team (or is absent): the next id above them.
    [5, 7],
    [99, 3],
  ] as const)('after %s comes %s', (cursor, expected) => {
    expect(pickTechnician('ROUND_ROBIN', team, cursor)?.id).toBe(expected);
  });
  it('ignores the load', () => {
    expect(pickTechnician('ROUND_ROBIN', [tech(1, 50), tech(2, 0)], null)?.id).toBe(1);
  });
});

describe('least open load', () => {
  it('takes the lowest load, ties to the lowest id, whatever the cursor', () => {
    expect(pickTechnician('LEAST_LOADED', [tech(4, 2), tech(9, 1), tech(2, 3)], 9)?.id).toBe(9);
    expect(pickTechnician('LEAST_LOADED', [tech(9, 1), tech(4, 1), tech(6, 1)], null)?.id).toBe(4);
  });
});

it('nobody available: nobody', () => {
  expect(pickTechnician('ROUND_ROBIN', [], 3)).toBeNull();
  expect(pickTechnician('LEAST_LOADED', [], null)).toBeNull();
});
