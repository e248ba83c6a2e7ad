-- A technician's work list (/work): their open assigned tickets, most urgent then oldest first,
-- without walking past the closed tickets they once held.
CREATE INDEX "Ticket_work_idx" ON "Ticket"("assigneeId", "urgency", "createdAt", "id")
  WHERE "deletedAt" IS NULL AND "status" IN ('ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION');

-- The queue's open work, oldest first (the default view is open work, and closed tickets are the old ones).
CREATE INDEX "Ticket_open_created_idx" ON "Ticket"("createdAt", "id")
  WHERE "deletedAt" IS NULL AND "status" IN ('NEW', 'ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION', 'REOPENED');
