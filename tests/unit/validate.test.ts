import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/lib/errors.js';
import { email, parseForm, password, text } from '../../src/lib/validate.js';

const schema = z.object({ name: text({ max: 20 }), email: email(), password: password() });

function fieldErrorsOf(input: unknown, invalid = new Set<string>()) {
  try {
    parseForm(schema, input, invalid);
  } catch (error) {
    return (error as AppError).fieldErrors;
  }
  return {};
}

describe('form validation', () => {
  it('trims, normalizes and lower-cases e-mail', () => {
    const out = parseForm(schema, { name: '  Ana  ', email: ' Ana@Example.COM ', password: 'long enough pw' });
    expect(out).toEqual({ name: 'Ana', email: 'ana@example.com', password: 'long enough pw' });
  });

  it('names each bad field with a translatable key', () => {
    const errors = fieldErrorsOf({ name: '', email: 'nope', password: 'short' });
    expect(errors.name?.key).toBe('validation.required');
    expect(errors.email?.key).toBe('validation.invalidEmail');
    expect(errors.password).toEqual({ key: 'validation.passwordTooShort', params: { min: 10 } });
  });

  it('refuses overlong text, control characters and replacement characters', () => {
    expect(fieldErrorsOf({ name: 'x'.repeat(10_000), email: 'a@b.co', password: 'long enough pw' }).name).toEqual({
      key: 'validation.tooLong',
      params: { max: 20 },
    });
    expect(fieldErrorsOf({ name: 'a\u0000b', email: 'a@b.co', password: 'long enough pw' }).name?.key).toBe(
      'validation.invalidCharacters',
    );
    expect(fieldErrorsOf({ name: 'a\uFFFDb', email: 'a@b.co', password: 'long enough pw' }).name?.key).toBe(
      'validation.invalidCharacters',
    );
    expect(fieldErrorsOf({ name: 'two\nlines', email: 'a@b.co', password: 'long enough pw' }).name?.key).toBe(
      'validation.invalidCharacters',
    );
  });

  it('refuses fields whose bytes were not UTF-8 even if they parse', () => {
    const errors = fieldErrorsOf({ name: '%FF', email: 'a@b.co', password: 'long enough pw' }, new Set(['name']));
    expect(errors.name?.key).toBe('validation.invalidCharacters');
  });

  it('throws an AppError with status 422', () => {
    expect(() => parseForm(schema, {})).toThrow(AppError);
    try {
      parseForm(schema, {});
    } catch (error) {
      expect((error as AppError).status).toBe(422);
    }
  });
});
