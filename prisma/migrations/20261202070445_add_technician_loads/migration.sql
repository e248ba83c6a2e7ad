-- CreateTable
CREATE TABLE "TechnicianLoad" (
    "userId" INTEGER NOT NULL,
    "openCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "TechnicianLoad_pkey" PRIMARY KEY ("userId")
);

-- AddForeignKey
ALTER TABLE "TechnicianLoad" ADD CONSTRAINT "TechnicianLoad_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Backfill: each technician's live tickets in the work statuses (the same set as workStatuses in
-- src/tickets/ticket-statuses.ts), read through the partial index "Ticket_work_idx". From here on
-- the tickets service keeps these rows in the same transaction as each change.
INSERT INTO "TechnicianLoad" ("userId", "openCount")
SELECT "assigneeId", count(*)::int FROM "Ticket"
WHERE "assigneeId" IS NOT NULL AND "deletedAt" IS NULL
  AND "status" IN ('ASSIGNED', 'IN_PROGRESS', 'ON_HOLD', 'PENDING_VALIDATION')
GROUP BY "assigneeId";
