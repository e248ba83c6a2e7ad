-- AlterTable
ALTER TABLE "Rule" ADD COLUMN     "isDemo" BOOLEAN NOT NULL DEFAULT false;
