// `npm run db:seed -- --demo`: adds the demo data (accounts @demo.local) to an empty database.
// Without --demo it only adds the reference departments and categories of a security company.

import { servicesFor } from '../src/bootstrap.js';
import { ConfigError, loadEnv } from '../src/config/env.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { demoAccounts, isDatabaseEmpty, seedDemoData, seedReferenceData } from '../src/demo/demo.service.js';
import { seedDemoTickets } from '../src/demo/demo-tickets.js';

const wantsDemo = process.argv.includes('--demo');
try {
  const env = loadEnv();
  const db = await openDatabase(env);
  try {
    await applyMigrations(db);
    if (!wantsDemo) {
      await seedReferenceData(db.prisma);
      console.log('Reference departments and categories are in place. Use --demo for demo accounts.');
    } else if (!(await isDatabaseEmpty(db.prisma))) {
      console.error('The database already has users: demo data is only added to an empty database.');
      process.exitCode = 1;
    } else {
      const password = await seedDemoData(db.prisma, { password: env.DEMO_PASSWORD });
      const services = servicesFor(env, db);
      await seedDemoTickets(db.prisma, services.tickets, services.sla);
      console.log(`Demo data created: ${demoAccounts.map((account) => account.email).join(', ')}`);
      console.log(env.DEMO_PASSWORD ? 'Password: the value of DEMO_PASSWORD' : `Password (shown once): ${password}`);
    }
  } finally {
    await db.close();
  }
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : `Seeding failed: ${(error as Error).message}`);
  process.exit(1);
}
