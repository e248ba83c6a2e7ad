import { describe, expect, it } from 'vitest';
import { ConfigError, loadEnv } from '../../src/config/env.js';

describe('configuration from the environment', () => {
  it('starts with no configuration at all: port 3000, embedded database, Spanish defaults', () => {
    const env = loadEnv({});
    expect(env.PORT).toBe(3000);
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.UPLOAD_DIR).toBe('./uploads');
    expect(env.LOG_LEVEL).toBe('info');
  });

  it.each([
    [{ PORT: 'abc' }, /^Invalid configuration: PORT /],
    [{ PORT: '70000' }, /^Invalid configuration: PORT /],
    [{ DATABASE_URL: 'mysql://x@y/z' }, /^Invalid configuration: DATABASE_URL must be a URL starting with postgres:/],
    [{ BASE_URL: 'not a url' }, /^Invalid configuration: BASE_URL /],
    [{ SESSION_SECRET: 'short' }, /^Invalid configuration: SESSION_SECRET must be at least 32 characters/],
    [{ SMTP_URL: 'http://mail' }, /^Invalid configuration: SMTP_URL /],
    [{ LOG_LEVEL: 'loud' }, /^Invalid configuration: LOG_LEVEL /],
    [{ IMAP_URL: 'pop3://mail' }, /^Invalid configuration: IMAP_URL must be a URL starting with imap:/],
    [{ IMAP_POLL_SECONDS: '1' }, /^Invalid configuration: IMAP_POLL_SECONDS /],
    [{ INBOUND_MAX_PER_HOUR: '0' }, /^Invalid configuration: INBOUND_MAX_PER_HOUR /],
  ])('refuses %o with one line naming the variable', (source, message) => {
    expect(() => loadEnv(source)).toThrow(ConfigError);
    try {
      loadEnv(source);
    } catch (error) {
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('reads TRUST_PROXY as a hop count, a boolean or a list', () => {
    expect(loadEnv({ TRUST_PROXY: '1' }).TRUST_PROXY).toBe(1);
    expect(loadEnv({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadEnv({}).TRUST_PROXY).toBe(false);
    expect(loadEnv({ TRUST_PROXY: 'loopback' }).TRUST_PROXY).toBe('loopback');
  });

  it('leaves incoming e-mail off unless IMAP_URL is set, with polling and cap defaults', () => {
    expect(loadEnv({}).IMAP_URL).toBeUndefined();
    expect(loadEnv({})).toMatchObject({
      IMAP_FOLDER: 'INBOX',
      IMAP_POLL_SECONDS: 60,
      INBOUND_MAX_PER_HOUR: 20,
    });
    expect(loadEnv({ IMAP_URL: 'imaps://desk%40example.com:pw@imap.example.com:993' }).IMAP_URL).toBe(
      'imaps://desk%40example.com:pw@imap.example.com:993',
    );
  });
});
