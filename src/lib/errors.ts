// One error type with a code, turned into HTTP in one place (middleware/error-handler.ts).
export type FieldError = { key: string; params?: Record<string, unknown> };
export type FieldErrors = Record<string, FieldError>;

export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'CONFLICT'
  /** The form was made from an older version of the object: someone changed it meanwhile. */
  | 'STALE'
  | 'RATE_LIMITED'
  | 'CSRF';

const statusByCode: Record<ErrorCode, number> = {
  VALIDATION: 422,
  NOT_FOUND: 404,
  FORBIDDEN: 403,
  UNAUTHENTICATED: 401,
  CONFLICT: 409,
  STALE: 409,
  RATE_LIMITED: 429,
  CSRF: 403,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    /** i18n key of a user-safe message. */
    readonly messageKey: string,
    readonly options: { fieldErrors?: FieldErrors; params?: Record<string, unknown> } = {},
  ) {
    super(messageKey);
    this.status = statusByCode[code];
  }

  get fieldErrors(): FieldErrors {
    return this.options.fieldErrors ?? {};
  }
}

export const notFound = () => new AppError('NOT_FOUND', 'errors.notFound');
export const forbidden = () => new AppError('FORBIDDEN', 'errors.forbidden');
export const validationError = (fieldErrors: FieldErrors) =>
  new AppError('VALIDATION', 'errors.validation', { fieldErrors });
