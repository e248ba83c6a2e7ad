// Prisma runs `contains` and case-insensitive `equals` as LIKE / ILIKE without escaping the value
// (prisma/prisma#19506), so a typed % or _ would act as a wildcard: "%" would match every name.
// PostgreSQL's default LIKE escape character is the backslash.
export function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}
