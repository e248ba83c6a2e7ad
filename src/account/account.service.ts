// The signed-in user's own preferences: language, time zone and which e-mails they receive.
import type { PrismaClient } from '../generated/prisma/client.js';
import type { Locale, Role } from '../generated/prisma/enums.js';
import { type EmailKind, optOutFrom } from '../notifications/preferences.js';

export async function savePreferences(
  prisma: PrismaClient,
  user: { id: number; role: Role },
  input: { locale: Locale; timeZone: string | null; receivedKinds?: readonly EmailKind[] },
): Promise<void> {
  const emailOptOut = input.receivedKinds ? optOutFrom(user.role, input.receivedKinds) : undefined;
  await prisma.$transaction([
    prisma.user.update({
      where: { id: user.id },
      data: { locale: input.locale, timeZone: input.timeZone, ...(emailOptOut ? { emailOptOut } : {}) },
    }),
    // Turning e-mails off is worth a trace: "I never got the mail" has an answer.
    ...(emailOptOut
      ? [
          prisma.auditLog.create({
            data: {
              actorId: user.id,
              action: 'user.emailPreferences',
              entityType: 'user',
              entityId: String(user.id),
              data: { emailOptOut },
            },
          }),
        ]
      : []),
  ]);
}
