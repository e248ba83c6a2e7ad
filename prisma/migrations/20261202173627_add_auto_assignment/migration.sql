-- CreateEnum
CREATE TYPE "AssignMethod" AS ENUM ('MANUAL', 'ROUND_ROBIN', 'LEAST_LOADED');

-- AlterTable
ALTER TABLE "Department" ADD COLUMN     "assignMethod" "AssignMethod" NOT NULL DEFAULT 'MANUAL',
ADD COLUMN     "lastAutoAssigneeId" INTEGER;

-- CreateTable
CREATE TABLE "UserAbsence" (
    "id" SERIAL NOT NULL,
    "userId" INTEGER NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "note" VARCHAR(200),
    "createdById" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "UserAbsence_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "UserAbsence_endsAt_startsAt_idx" ON "UserAbsence"("endsAt", "startsAt");

-- CreateIndex
CREATE INDEX "UserAbsence_userId_endsAt_idx" ON "UserAbsence"("userId", "endsAt");

-- AddForeignKey
ALTER TABLE "UserAbsence" ADD CONSTRAINT "UserAbsence_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "UserAbsence" ADD CONSTRAINT "UserAbsence_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- By hand (Prisma's schema cannot express it): an absence ends after it starts.
ALTER TABLE "UserAbsence" ADD CONSTRAINT "UserAbsence_ends_after_start" CHECK ("endsAt" > "startsAt");
