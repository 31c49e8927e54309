export type Status = 'PASS' | 'MISS' | 'INFO' | 'SKIP' | 'ERROR';

export interface Target {
  op: '<=' | '>=' | '==';
  value: number | boolean;
}

export interface Figure {
  id: string;
  section: string;
  label: string;
  value: number | string | boolean | null;
  unit?: string;
  target?: Target;
  status: Status;
  note?: string;
}

function judge(value: Figure['value'], t?: Target): Status {
  if (!t) return 'INFO';
  if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return 'MISS';
  if (t.op === '==') return value === t.value ? 'PASS' : 'MISS';
  if (typeof value !== 'number' || typeof t.value !== 'number') return 'MISS';
  return (t.op === '<=' ? value <= t.value : value >= t.value) ? 'PASS' : 'MISS';
}

export const targetText = (t?: Target, unit?: string) =>
  !t ? '' : typeof t.value === 'boolean' ? (t.value ? 'yes' : 'no') : `${t.op === '==' ? '=' : t.op === '<=' ? '≤' : '≥'} ${t.value}${unit ? ` ${unit}` : ''}`;

export const valueText = (f: Figure) =>
  f.value === null ? '—' : typeof f.value === 'boolean' ? (f.value ? 'yes' : 'no') : `${f.value}${f.unit && typeof f.value === 'number' ? ` ${f.unit}` : ''}`;

/** Every figure of the run, with its target and verdict; plus free-form details and notes. */
export class Report {
  figures: Figure[] = [];
  details: Record<string, unknown> = {};
  notes: string[] = [];
  sections: Record<string, { status: 'done' | 'skipped' | 'error'; message?: string; ms?: number }> = {};

  add(f: Omit<Figure, 'status'> & { status?: Status }): Figure {
    const fig: Figure = { ...f, status: f.status ?? judge(f.value, f.target) };
    this.figures.push(fig);
    return fig;
  }

  skip(section: string, message: string) {
    this.sections[section] = { status: 'skipped', message };
    this.add({ id: `${section}.skipped`, section, label: `${section}: skipped`, value: null, status: 'SKIP', note: message });
  }

  error(section: string, err: unknown) {
    const message = err instanceof Error ? err.message : String(err);
    this.sections[section] = { status: 'error', message };
    this.add({ id: `${section}.error`, section, label: `${section}: failed`, value: null, status: 'ERROR', note: message });
  }

  table(): string {
    const rows = this.figures.map((f) => [f.section, f.label, valueText(f), targetText(f.target, f.unit), f.status, f.note ?? '']);
    const head = ['section', 'figure', 'value', 'target', 'status', 'note'];
    const widths = head.map((h, i) => Math.min(i === 5 ? 70 : 60, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
    const fmt = (r: string[]) => r.map((c, i) => (c.length > widths[i]! ? c.slice(0, widths[i]! - 1) + '…' : c.padEnd(widths[i]!))).join('  ').trimEnd();
    return [fmt(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
  }

  markdownTable(): string {
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    const lines = ['| section | figure | value | target | status |', '|---|---|---|---|---|'];
    for (const f of this.figures) {
      const note = f.note ? ` <br><small>${esc(f.note)}</small>` : '';
      lines.push(`| ${f.section} | ${esc(f.label)}${note} | ${esc(valueText(f))} | ${esc(targetText(f.target, f.unit))} | ${f.status} |`);
    }
    return lines.join('\n');
  }
}
