import { AppError } from '../domain/app-error.ts';

/** A request body as JSON; `empty` stands for no body at all. Malformed JSON is INVALID_JSON (400). */
export function parseJsonBody(body: string, empty: unknown = {}): unknown {
  if (!body) return empty;
  try {
    return JSON.parse(body);
  } catch {
    throw new AppError('INVALID_JSON', 'request body is not valid JSON');
  }
}
