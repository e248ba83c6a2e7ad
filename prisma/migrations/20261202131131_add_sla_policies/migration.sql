-- CreateEnum
CREATE TYPE "SlaTarget" AS ENUM ('FIRST_RESPONSE', 'NEXT_RESPONSE', 'RESOLUTION', 'ON_SITE');

-- CreateEnum
CREATE TYPE "SlaEventKind" AS ENUM ('WARNING', 'BREACH');

-- AlterTable
ALTER TABLE "Ticket" ADD COLUMN     "awaitingReplySince" TIMESTAMP(3),
ADD COLUMN     "firstResponseDueAt" TIMESTAMP(3),
ADD COLUMN     "nextResponseDueAt" TIMESTAMP(3),
ADD COLUMN     "onSiteAt" TIMESTAMP(3),
ADD COLUMN     "onSiteDueAt" TIMESTAMP(3),
ADD COLUMN     "resolutionDueAt" TIMESTAMP(3),
ADD COLUMN     "slaCheckAt" TIMESTAMP(3),
ADD COLUMN     "slaDueAt" TIMESTAMP(3),
ADD COLUMN     "slaPolicyId" INTEGER,
ADD COLUMN     "slaWarnAt" TIMESTAMP(3);

-- CreateTable
CREATE TABLE "SlaPolicy" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(80) NOT NULL,
    "position" INTEGER NOT NULL,
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "priorities" "Priority"[],
    "categoryIds" INTEGER[],
    "departmentIds" INTEGER[],
    "organizationIds" INTEGER[],
    "channels" "Channel"[],
    "businessHours" BOOLEAN NOT NULL DEFAULT true,
    "firstResponseMinutes" INTEGER,
    "nextResponseMinutes" INTEGER,
    "resolutionMinutes" INTEGER,
    "onSiteMinutes" INTEGER,
    "escalationUserId" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SlaPolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "SlaEvent" (
    "id" BIGSERIAL NOT NULL,
    "ticketId" INTEGER NOT NULL,
    "target" "SlaTarget" NOT NULL,
    "kind" "SlaEventKind" NOT NULL,
    "dueAt" TIMESTAMP(3) NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "SlaEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "SlaPolicy_name_key" ON "SlaPolicy"("name");

-- CreateIndex
CREATE INDEX "SlaPolicy_position_idx" ON "SlaPolicy"("position");

-- CreateIndex
CREATE INDEX "SlaEvent_at_idx" ON "SlaEvent"("at");

-- CreateIndex
CREATE UNIQUE INDEX "SlaEvent_ticketId_target_kind_dueAt_key" ON "SlaEvent"("ticketId", "target", "kind", "dueAt");

-- Only tickets with a pending SLA target are in these (a few thousand open ones, not a million).
CREATE INDEX "Ticket_slaDueAt_idx" ON "Ticket"("slaDueAt", "id") WHERE "slaDueAt" IS NOT NULL;

CREATE INDEX "Ticket_slaCheckAt_idx" ON "Ticket"("slaCheckAt") WHERE "slaCheckAt" IS NOT NULL;

-- AddForeignKey
ALTER TABLE "Ticket" ADD CONSTRAINT "Ticket_slaPolicyId_fkey" FOREIGN KEY ("slaPolicyId") REFERENCES "SlaPolicy"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlaPolicy" ADD CONSTRAINT "SlaPolicy_escalationUserId_fkey" FOREIGN KEY ("escalationUserId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SlaEvent" ADD CONSTRAINT "SlaEvent_ticketId_fkey" FOREIGN KEY ("ticketId") REFERENCES "Ticket"("id") ON DELETE CASCADE ON UPDATE CASCADE;
