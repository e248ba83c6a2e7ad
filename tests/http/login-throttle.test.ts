// In a file of its own: it locks out the test client's address for the rest of the file.
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, csrfFrom, submitForm, TEST_PASSWORD, type TestApp } from '../helpers/app.js';
import { createUser } from '../helpers/factories.js';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('when one address sprays many accounts', () => {
  it('it is throttled, even for a valid login', async () => {
    const agent = request.agent(t.app);
    const ip = '203.0.113.7';
    let last = 0;
    for (let i = 0; i < 31; i++) {
      const token = await csrfFrom(agent, '/login');
      const res = await agent
        .post('/login')
        .set('X-Forwarded-For', ip)
        .type('form')
        .send({ email: `spray-${i}@example.test`, password: 'guess-guess-1', _csrf: token });
      last = res.status;
    }
    // Without TRUST_PROXY the header is ignored, so this is the test client's own address.
    expect(last).toBe(429);
    const user = await createUser(t.db.prisma);
    const valid = await submitForm(request.agent(t.app), '/login', '/login', {
      email: user.email,
      password: TEST_PASSWORD,
    });
    expect(valid.status).toBe(429);
    expect(valid.text).toContain('Demasiados intentos fallidos');
  });
});
