-- CreateIndex
CREATE INDEX "EmailMessage_outboxId_idx" ON "EmailMessage"("outboxId");
