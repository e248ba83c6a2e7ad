-- CreateIndex
CREATE INDEX "Ticket_status_queueRank_urgency_createdAt_id_idx" ON "Ticket"("status", "queueRank", "urgency", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Ticket_status_assigneeId_deletedAt_idx" ON "Ticket"("status", "assigneeId", "deletedAt");
