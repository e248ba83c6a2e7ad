// System settings, one JSON value per key, with defaults. Read often, changed rarely: kept in
// this process until a change (here, or announced by another process through NOTIFY) or a minute.
import type { PrismaClient } from '../generated/prisma/client.js';
import { referenceChanged, registerCache } from '../reference/reference-data.js';

export type Settings = {
  helpdeskName: string;
  registrationEnabled: boolean;
  timeZone: string;
  /** Days after closing during which a client may still reopen. */
  reopenWindowDays: number;
  /** Incoming e-mail from an address with no account: make a client account, answer politely, or drop it. */
  inboundUnknownSender: InboundUnknownSender;
  /** Share of an SLA target elapsed when its warning goes out. */
  slaWarnPercent: number;
};

export const inboundUnknownSenderPolicies = ['create', 'reject', 'drop'] as const;
export type InboundUnknownSender = (typeof inboundUnknownSenderPolicies)[number];

export const defaultSettings: Settings = {
  helpdeskName: 'Centinela',
  registrationEnabled: false,
  timeZone: 'America/Argentina/Buenos_Aires',
  reopenWindowDays: 15,
  inboundUnknownSender: 'reject',
  slaWarnPercent: 80,
};

const cacheMs = 60_000;

export class SettingsService {
  private cached?: { value: Settings; at: number };

  constructor(private readonly prisma: PrismaClient) {
    registerCache(() => {
      this.cached = undefined;
    });
  }

  async get(): Promise<Settings> {
    if (this.cached && Date.now() - this.cached.at < cacheMs) return this.cached.value;
    const rows = await this.prisma.setting.findMany({ where: { key: { in: Object.keys(defaultSettings) } } });
    const value = { ...defaultSettings };
    for (const row of rows) {
      const key = row.key as keyof Settings;
      if (typeof row.value === typeof defaultSettings[key]) (value as Record<string, unknown>)[key] = row.value;
    }
    this.cached = { value, at: Date.now() };
    return value;
  }

  async update(changes: Partial<Settings>, actorId: number | null): Promise<void> {
    await this.prisma.$transaction([
      ...Object.entries(changes).map(([key, value]) =>
        this.prisma.setting.upsert({ where: { key }, create: { key, value }, update: { value } }),
      ),
      this.prisma.auditLog.create({
        data: { actorId, action: 'settings.update', entityType: 'setting', entityId: '*', data: changes },
      }),
    ]);
    this.cached = undefined;
    await referenceChanged(this.prisma);
  }
}

export function isValidTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}
