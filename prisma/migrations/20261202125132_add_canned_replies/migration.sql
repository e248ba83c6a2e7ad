-- CreateTable
CREATE TABLE "CannedReply" (
    "id" SERIAL NOT NULL,
    "title" VARCHAR(120) NOT NULL,
    "bodyEs" TEXT,
    "bodyEn" TEXT,
    "bodyPtBr" TEXT,
    "ownerId" INTEGER,
    "departmentId" INTEGER,
    "setStatusAction" VARCHAR(40),
    "isActive" BOOLEAN NOT NULL DEFAULT true,
    "isDemo" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "CannedReply_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CannedReply_ownerId_idx" ON "CannedReply"("ownerId");

-- CreateIndex
CREATE INDEX "CannedReply_departmentId_idx" ON "CannedReply"("departmentId");

-- AddForeignKey
ALTER TABLE "CannedReply" ADD CONSTRAINT "CannedReply_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CannedReply" ADD CONSTRAINT "CannedReply_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- A reply has a text in at least one language (Prisma cannot say so, the service checks it first).
ALTER TABLE "CannedReply" ADD CONSTRAINT "CannedReply_has_body" CHECK ("bodyEs" IS NOT NULL OR "bodyEn" IS NOT NULL OR "bodyPtBr" IS NOT NULL);
