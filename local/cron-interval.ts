import { AppError } from '../shared/domain/app-error.ts';

/**
 * The local runtime fires timers on a fixed period. SCF cron has 7 fields
 * (sec min hour day month week year) and also accepts the 5-field form; the periodic shapes
 * are supported here: every N seconds ("*\/N * * * * * *"), every N minutes
 * ("0 *\/N * * * * *" or "*\/N * * * *"), every N hours.
 */
export function cronIntervalMs(expr: string): number {
  const f = expr.trim().split(/\s+/);
  const every = (field: string | undefined) => {
    if (field === '*') return 1;
    const m = /^\*\/(\d+)$/.exec(field ?? '');
    return m ? Number(m[1]) : null;
  };
  const rest = (from: number) => f.slice(from).every((x) => x === '*' || x === '?');
  if (f.length === 7 || f.length === 6) {
    const s = every(f[0]);
    if (s && rest(1)) return s * 1000;
    const m = every(f[1]);
    if (f[0] === '0' && m && rest(2)) return m * 60_000;
    const h = every(f[2]);
    if (f[0] === '0' && f[1] === '0' && h && rest(3)) return h * 3_600_000;
  } else if (f.length === 5) {
    const m = every(f[0]);
    if (m && rest(1)) return m * 60_000;
    const h = every(f[1]);
    if (f[0] === '0' && h && rest(2)) return h * 3_600_000;
  }
  throw new AppError('BAD_REQUEST', `cron "${expr}" is not a periodic expression the local runtime can run (use */N seconds, minutes or hours)`);
}
