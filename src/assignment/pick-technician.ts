// Who gets the next ticket of a department, given who is available: pure, so the fairness rules
// read (and are tested) apart from the locking and the lifecycle around them.
import type { AssignMethod } from '../generated/prisma/enums.js';

/** An active, present member of the department, with their open load (TechnicianLoad; none = 0). */
export type Candidate = { id: number; name: string; openCount: number };

/**
 * Round-robin: the first member by id after the cursor (the last one served), wrapping around —
 * joining, leaving or being absent never makes anyone wait a second turn. Least-loaded: the lowest
 * open load, ties to the lowest id so the answer is stable.
 */
export function pickTechnician(
  method: Exclude<AssignMethod, 'MANUAL'>,
  candidates: readonly Candidate[],
  cursor: number | null,
): Candidate | null {
  if (candidates.length === 0) return null;
  const byId = [...candidates].sort((a, b) => a.id - b.id);
  if (method === 'ROUND_ROBIN') {
    return byId.find((candidate) => cursor === null || candidate.id > cursor) ?? byId[0] ?? null;
  }
  return byId.reduce((best, candidate) => (candidate.openCount < best.openCount ? candidate : best));
}
