-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "statusChangedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "Comment" ADD COLUMN     "ruleName" VARCHAR(120);

-- CreateTable
CREATE TABLE "Rule" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(80) NOT NULL,
    "position" INTEGER NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "builtIn" VARCHAR(40),
    "trigger" VARCHAR(30) NOT NULL,
    "timeStatus" "TicketStatus",
    "timeHours" INTEGER,
    "timeCursorAt" TIMESTAMP(3),
    "timeCursorId" INTEGER,
    "priorities" "Priority"[],
    "categoryIds" INTEGER[],
    "departmentIds" INTEGER[],
    "organizationIds" INTEGER[],
    "channels" "Channel"[],
    "subjectContains" VARCHAR(200),
    "descriptionContains" VARCHAR(200),
    "actions" JSONB NOT NULL,
    "lastRunAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Rule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleRun" (
    "id" BIGSERIAL NOT NULL,
    "ruleId" INTEGER NOT NULL,
    "eventId" BIGINT,
    "ticketId" INTEGER,
    "ticketNumber" INTEGER,
    "trigger" VARCHAR(30) NOT NULL,
    "outcome" VARCHAR(20) NOT NULL,
    "detail" VARCHAR(1000),
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RuleRun_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RuleTimeFire" (
    "ruleId" INTEGER NOT NULL,
    "ticketId" INTEGER NOT NULL,
    "stayStart" TIMESTAMP(3) NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RuleTimeFire_pkey" PRIMARY KEY ("ruleId","ticketId","stayStart")
);

-- CreateIndex
CREATE UNIQUE INDEX "Rule_name_key" ON "Rule"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Rule_builtIn_key" ON "Rule"("builtIn");

-- CreateIndex
CREATE INDEX "Rule_position_idx" ON "Rule"("position");

-- CreateIndex
CREATE INDEX "RuleRun_ruleId_at_id_idx" ON "RuleRun"("ruleId", "at", "id");

-- CreateIndex
CREATE UNIQUE INDEX "RuleRun_eventId_ruleId_key" ON "RuleRun"("eventId", "ruleId");

-- CreateIndex
CREATE INDEX "RuleTimeFire_ticketId_idx" ON "RuleTimeFire"("ticketId");

-- AddForeignKey
ALTER TABLE "RuleRun" ADD CONSTRAINT "RuleRun_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RuleTimeFire" ADD CONSTRAINT "RuleTimeFire_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "Rule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A ticket's current stay began: when it was resolved or closed if that is its status, else its
-- last change (the closest record there is before this column).
UPDATE "Ticket" SET "statusChangedAt" = CASE
    WHEN "status" = 'RESOLVED' THEN COALESCE("resolvedAt", "updatedAt")
    WHEN "status" = 'CLOSED' THEN COALESCE("closedAt", "updatedAt")
    ELSE "updatedAt" END;

-- The time trigger's walk: tickets of one status by when they entered it (live tickets only).
CREATE INDEX "Ticket_status_changed_idx" ON "Ticket"("status", "statusChangedAt", "id") WHERE "deletedAt" IS NULL;

-- The rules worker's claim: pending rule events only (the mail worker's rows are kind 'notification').
CREATE INDEX "OutboxMessage_rule_pending_idx" ON "OutboxMessage"("nextAttemptAt", "id") WHERE "kind" = 'rule' AND "sentAt" IS NULL AND "failedAt" IS NULL;

-- Auto-close is a built-in rule now (it was a job reading the autoCloseDays setting): RESOLVED for
-- that many days, then close. The setting's value moves into the rule, which is its one source.
INSERT INTO "Rule" ("name", "position", "isActive", "builtIn", "trigger", "timeStatus", "timeHours", "priorities", "categoryIds", "departmentIds", "organizationIds", "channels", "actions", "updatedAt")
VALUES ('Cierre automático', 0, true, 'auto_close', 'time_in_status', 'RESOLVED',
    24 * COALESCE((SELECT CASE WHEN jsonb_typeof("value") = 'number' THEN ("value")::text::int END FROM "Setting" WHERE "key" = 'autoCloseDays'), 5),
    '{}', '{}', '{}', '{}', '{}', '[{"type":"close"}]'::jsonb, CURRENT_TIMESTAMP);

DELETE FROM "Setting" WHERE "key" = 'autoCloseDays';
