-- AlterTable
ALTER TABLE "Department" ADD COLUMN     "calendarId" INTEGER;

-- CreateTable
CREATE TABLE "BusinessCalendar" (
    "id" SERIAL NOT NULL,
    "name" VARCHAR(80) NOT NULL,
    "timeZone" VARCHAR(64) NOT NULL,
    "alwaysOpen" BOOLEAN NOT NULL DEFAULT false,
    "hours" JSONB NOT NULL,
    "holidays" JSONB NOT NULL DEFAULT '[]',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BusinessCalendar_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BusinessCalendar_name_key" ON "BusinessCalendar"("name");

-- CreateIndex
CREATE INDEX "Department_calendarId_idx" ON "Department"("calendarId");

-- AddForeignKey
ALTER TABLE "Department" ADD CONSTRAINT "Department_calendarId_fkey" FOREIGN KEY ("calendarId") REFERENCES "BusinessCalendar"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Seed: office hours Mon–Fri 09:00–18:00 in the desk's time zone (the "timeZone" setting, whose
-- default is Buenos Aires), made the default calendar, and a 24×7 calendar for monitoring.
INSERT INTO "BusinessCalendar" ("name", "timeZone", "alwaysOpen", "hours", "holidays", "updatedAt")
SELECT 'Horario comercial',
       COALESCE((SELECT "value" #>> '{}' FROM "Setting" WHERE "key" = 'timeZone' AND jsonb_typeof("value") = 'string'), 'America/Argentina/Buenos_Aires'),
       false,
       '[[], [{"start": "09:00", "end": "18:00"}], [{"start": "09:00", "end": "18:00"}], [{"start": "09:00", "end": "18:00"}], [{"start": "09:00", "end": "18:00"}], [{"start": "09:00", "end": "18:00"}], []]'::jsonb,
       '[]'::jsonb,
       CURRENT_TIMESTAMP;

INSERT INTO "BusinessCalendar" ("name", "timeZone", "alwaysOpen", "hours", "holidays", "updatedAt")
SELECT '24×7',
       COALESCE((SELECT "value" #>> '{}' FROM "Setting" WHERE "key" = 'timeZone' AND jsonb_typeof("value") = 'string'), 'America/Argentina/Buenos_Aires'),
       true,
       '[[], [], [], [], [], [], []]'::jsonb,
       '[]'::jsonb,
       CURRENT_TIMESTAMP;

INSERT INTO "Setting" ("key", "value", "updatedAt")
SELECT 'defaultCalendarId', to_jsonb("id"), CURRENT_TIMESTAMP FROM "BusinessCalendar" WHERE "name" = 'Horario comercial'
ON CONFLICT ("key") DO NOTHING;
