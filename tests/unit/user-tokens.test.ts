import { describe, expect, it } from 'vitest';
import { hashToken, isTokenShaped, redactTokensInRequestLog } from '../../src/auth/user-tokens.js';

const token = 'Ab3_-Ab3_-Ab3_-Ab3_-Ab3_-Ab3_-Ab3_-Ab3_-Ab3';

describe('account tokens', () => {
  it('accept only the shape of 32 base64url bytes', () => {
    expect(isTokenShaped(token)).toBe(true);
    expect(isTokenShaped(token.slice(1))).toBe(false);
    expect(isTokenShaped(`${token.slice(1)}=`)).toBe(false);
    expect(isTokenShaped(undefined)).toBe(false);
  });

  it('are stored as the SHA-256 hex of the token', () => {
    expect(hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('request logs', () => {
  it('never carry a token in the URL, the params or the Referer', () => {
    const params = { token };
    const headers = { referer: `http://x.example/reset-password/${token}`, host: 'x.example' };
    const logged = redactTokensInRequestLog({ url: `/verify-email/${token}?a=1`, params, headers });
    expect(JSON.stringify(logged)).not.toContain(token);
    expect(logged.url).toBe('/verify-email/[redacted]?a=1');
    // The live request's objects are left alone.
    expect(params.token).toBe(token);
    expect(headers.referer).toContain(token);
  });

  it('leave other paths as they are', () => {
    expect(redactTokensInRequestLog({ url: '/verify-email/resend' }).url).toBe('/verify-email/resend');
    expect(redactTokensInRequestLog({ url: '/tickets/TKT-1001' }).url).toBe('/tickets/TKT-1001');
  });
});
