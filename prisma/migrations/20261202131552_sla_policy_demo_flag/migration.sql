-- AlterTable
ALTER TABLE "SlaPolicy" ADD COLUMN     "isDemo" BOOLEAN NOT NULL DEFAULT false;
