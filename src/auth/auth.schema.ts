import { z } from 'zod';
import { email, password, text } from '../lib/validate.js';

export const ZLogin = z.object({
  email: z
    .string()
    .max(500)
    .default('')
    .transform((value) => value.trim().toLowerCase()),
  password: z.string().max(500).default(''),
});

export const ZRegister = z
  .object({
    name: text({ max: 120 }),
    email: email(),
    password: password(),
    passwordConfirm: z.string().default(''),
    organizationName: text({ max: 160 }),
    phone: text({ max: 40, min: 0 }).optional(),
  })
  .refine((data) => data.password === data.passwordConfirm, { path: ['passwordConfirm'], error: 'passwordMismatch' });
export type TRegister = z.infer<typeof ZRegister>;

export const ZChangePassword = z
  .object({
    currentPassword: z.string().max(500).default(''),
    newPassword: password(),
    passwordConfirm: z.string().default(''),
  })
  .refine((data) => data.newPassword === data.passwordConfirm, {
    path: ['passwordConfirm'],
    error: 'passwordMismatch',
  });

export const ZSetup = z
  .object({
    token: z.string().max(200).default(''),
    name: text({ max: 120 }),
    email: email(),
    password: password(),
    passwordConfirm: z.string().default(''),
  })
  .refine((data) => data.password === data.passwordConfirm, { path: ['passwordConfirm'], error: 'passwordMismatch' });

export const ZForgotPassword = z.object({ email: email() });

export const ZResetPassword = z
  .object({
    newPassword: password(),
    passwordConfirm: z.string().default(''),
  })
  .refine((data) => data.newPassword === data.passwordConfirm, {
    path: ['passwordConfirm'],
    error: 'passwordMismatch',
  });
