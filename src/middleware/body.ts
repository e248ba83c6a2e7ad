// Form bodies. Percent-escapes that are not valid UTF-8 would otherwise pass through as the
// literal text "%FF"; such fields are recorded so validation can refuse them inline.
import express, { type NextFunction, type Request, type Response } from 'express';

function findInvalidUtf8Fields(raw: string): Set<string> {
  const invalid = new Set<string>();
  for (const pair of raw.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    let key: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    } catch {
      continue;
    }
    try {
      decodeURIComponent(rawValue.replace(/\+/g, ' '));
    } catch {
      invalid.add(key);
    }
  }
  return invalid;
}

const urlencoded = express.urlencoded({
  extended: false,
  limit: '200kb',
  parameterLimit: 200,
  verify(req, _res, buf) {
    (req as Request).invalidUtf8Fields = findInvalidUtf8Fields(buf.toString('latin1'));
  },
});

export function formBody(req: Request, res: Response, next: NextFunction): void {
  req.invalidUtf8Fields = new Set();
  urlencoded(req, res, next);
}
