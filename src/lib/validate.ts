// zod schemas for forms, and the conversion of zod issues into inline, translatable errors.
import { z } from 'zod';
import { type FieldErrors, validationError } from './errors.js';

// Control characters (except tab/newline) and U+FFFD (what invalid UTF-8 decodes to) are refused.
// biome-ignore lint/suspicious/noControlCharactersInRegex: this pattern exists to find them
const forbiddenChars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F\uFFFD]/;

type TextOptions = { max: number; min?: number; multiline?: boolean };

/** A trimmed, NFC-normalized string with limits; empty means "missing". */
export function text({ max, min = 1, multiline = false }: TextOptions) {
  return z
    .string({ error: 'required' })
    .transform((value) => value.normalize('NFC').trim())
    .refine((value) => !forbiddenChars.test(value) && (multiline || !/[\r\n]/.test(value)), {
      error: 'invalidCharacters',
    })
    .refine((value) => value.length >= min, { error: min <= 1 ? 'required' : 'tooShort', params: { min } })
    .refine((value) => value.length <= max, { error: 'tooLong', params: { max } });
}

/** Like text(), but an empty value becomes null. */
export function optionalText(options: TextOptions) {
  return z
    .union([z.string(), z.null()])
    .optional()
    .transform((value) => (value ?? '').normalize('NFC').trim())
    .refine((value) => !forbiddenChars.test(value) && (options.multiline || !/[\r\n]/.test(value)), {
      error: 'invalidCharacters',
    })
    .refine((value) => value.length <= options.max, { error: 'tooLong', params: { max: options.max } })
    .transform((value) => (value === '' ? null : value));
}

export const email = () =>
  text({ max: 254 })
    .transform((value) => value.toLowerCase())
    .refine((value) => z.email().safeParse(value).success, { error: 'invalidEmail' });

export const password = () =>
  z
    .string({ error: 'required' })
    .refine((value) => value.length > 0, { error: 'required' })
    .refine((value) => value.length >= 10, { error: 'passwordTooShort', params: { min: 10 } })
    .refine((value) => value.length <= 200, { error: 'tooLong', params: { max: 200 } })
    .refine((value) => !forbiddenChars.test(value), { error: 'invalidCharacters' });

/** A search box: forbidden characters (PostgreSQL text cannot hold NUL) are dropped; junk means no search. */
export const searchText = (max = 120) =>
  z
    .string()
    .transform((value) => value.replace(new RegExp(forbiddenChars.source, 'g'), '').trim())
    .pipe(z.string().max(max))
    .optional()
    .catch(undefined);

/** HTML checkboxes send "on" or nothing. */
export const checkbox = () =>
  z
    .string()
    .optional()
    .transform((value) => value !== undefined);

/** An optional numeric id from a <select>; '' means none. */
export const optionalId = () =>
  z
    .string()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === '') return null;
      if (!/^\d{1,9}$/.test(value)) {
        ctx.addIssue({ code: 'custom', message: 'invalidChoice' });
        return z.NEVER;
      }
      return Number(value);
    });

/** Several ids (multi-select or repeated checkboxes). */
export const idList = () =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((value, ctx) => {
      const list = value === undefined ? [] : Array.isArray(value) ? value : [value];
      if (list.some((item) => !/^\d{1,9}$/.test(item))) {
        ctx.addIssue({ code: 'custom', message: 'invalidChoice' });
        return z.NEVER;
      }
      return [...new Set(list.map(Number))];
    });

const keyByZodCode: Record<string, string> = {
  invalid_type: 'required',
  invalid_value: 'invalidChoice',
  invalid_union: 'invalidChoice',
  too_big: 'tooLong',
  too_small: 'required',
};

/**
 * Parses form input; throws a VALIDATION AppError whose field errors are i18n keys under
 * `validation.`. Fields whose bytes were not valid UTF-8 (see middleware/body.ts) are refused too.
 */
export function parseForm<S extends z.ZodType>(
  schema: S,
  input: unknown,
  invalidUtf8Fields: ReadonlySet<string> = new Set(),
): z.output<S> {
  const fieldErrors: FieldErrors = {};
  for (const field of invalidUtf8Fields) fieldErrors[field] = { key: 'validation.invalidCharacters' };
  const result = schema.safeParse(input ?? {});
  if (!result.success) {
    for (const issue of result.error.issues) {
      const field = String(issue.path[0] ?? '_form');
      if (fieldErrors[field]) continue;
      const custom = issue.code === 'custom' ? issue.message : undefined;
      const key = custom && /^[a-zA-Z]+$/.test(custom) ? custom : (keyByZodCode[issue.code] ?? 'invalid');
      const params = (issue as { params?: Record<string, unknown> }).params;
      fieldErrors[field] = { key: `validation.${key}`, params };
    }
  }
  if (Object.keys(fieldErrors).length > 0 || !result.success) throw validationError(fieldErrors);
  return result.data;
}
