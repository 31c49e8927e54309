import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { openApiDocument } from '../shared/http/openapi.ts';

/**
 * Renders the OpenAPI document (shared/http/openapi.ts) as docs/api.md: `npm run docs:api`.
 * test/unit/openapi.test.ts regenerates it in memory and fails when the committed file differs.
 */

type Schema = Record<string, any>;

export const API_MD_PATH = path.resolve(import.meta.dirname, '..', 'docs', 'api.md');

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (v: unknown) => '`' + (typeof v === 'string' ? v : JSON.stringify(v)) + '`';
const refName = (s: Schema): string | undefined => (typeof s.$ref === 'string' ? s.$ref.split('/').pop() : undefined);
const anchor = (name: string) => name.toLowerCase();

/** The one non-null member of `anyOf: [X, {type: null}]`, or undefined. */
function nullableOf(s: Schema): Schema | undefined {
  const members: Schema[] | undefined = s.anyOf;
  if (!members || members.length !== 2) return undefined;
  const rest = members.filter((m) => m.type !== 'null');
  return rest.length === 1 ? rest[0] : undefined;
}

function typeOf(s: Schema): string {
  const name = refName(s);
  if (name) return `[${name}](#${anchor(name)})`;
  const inner = nullableOf(s);
  if (inner) return `${typeOf(inner)} or null`;
  const union: Schema[] | undefined = s.oneOf ?? s.anyOf;
  if (union) return union.map(typeOf).join(' or ');
  if ('const' in s) return code(s.const);
  if (s.enum) return 'enum';
  if (s.type === 'array') return `array of ${s.items ? typeOf(s.items) : 'any'}`;
  const t = Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any');
  return s.format ? `${t} (${s.format})` : t;
}

function range(min: unknown, max: unknown, unit = ''): string | undefined {
  if (min !== undefined && max !== undefined) return `${min}–${max}${unit}`;
  if (min !== undefined) return `≥ ${min}${unit}`;
  if (max !== undefined) return `≤ ${max}${unit}`;
  return undefined;
}

function constraintsOf(s: Schema): string {
  const inner = nullableOf(s);
  if (inner) return constraintsOf(inner);
  const union: Schema[] | undefined = s.oneOf ?? s.anyOf;
  if (union) return union.map((m) => constraintsOf(m) && `${typeOf(m)}: ${constraintsOf(m)}`).filter(Boolean).join('; ');
  const out: string[] = [];
  if (s.enum) out.push('one of ' + s.enum.map(code).join(', '));
  const r = range(s.minimum, s.maximum);
  if (r) out.push(r);
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  if (s.exclusiveMaximum !== undefined) out.push(`< ${s.exclusiveMaximum}`);
  if (s.multipleOf !== undefined) out.push(`multiple of ${s.multipleOf}`);
  const len = range(s.minLength, s.maxLength, ' chars');
  if (len) out.push(len);
  const items = range(s.minItems, s.maxItems, ' items');
  if (items) out.push(items);
  // A format says it better than the long regex zod adds to date-times.
  if (s.pattern && !s.format) out.push(code(s.pattern));
  if (s.type === 'array' && s.items && !s.items.properties && !refName(s.items)) {
    const c = constraintsOf(s.items);
    if (c) out.push(`each: ${c}`);
  }
  if (s.additionalProperties === false && s.properties && Object.keys(s.properties).length === 0) out.push('empty object');
  return out.join('; ');
}

/** A union of objects (the source variants, the room user forms): rendered as one table per variant. */
function objectVariants(s: Schema): Schema[] | undefined {
  const union: Schema[] | undefined = s.oneOf ?? s.anyOf;
  return union && union.length > 1 && union.every((m) => m.type === 'object' && m.properties) ? union : undefined;
}

function variantLabel(v: Schema): string {
  const disc = Object.entries(v.properties as Record<string, Schema>).find(([, p]) => 'const' in p);
  if (disc) return `${disc[0]}: ${JSON.stringify(disc[1].const)}`;
  return 'with ' + (v.required as string[] ?? []).map((k) => code(k)).join(', ');
}

interface Section { title: string; schema: Schema }

/** Rows for an object's fields, nested objects flattened as a.b and array items as a[].b. */
function rows(s: Schema, prefix: string, out: string[], later: Section[]): void {
  const required = new Set<string>(s.required ?? []);
  for (const [name, raw] of Object.entries((s.properties ?? {}) as Record<string, Schema>)) {
    const field = prefix + name;
    const desc = [raw.description ?? '', ...(raw['x-rules'] ?? []).map((r: string) => `Rule: ${r}.`)].filter(Boolean).join(' ');
    const def = 'default' in raw ? code(raw.default) : '';
    const variants = objectVariants(raw);
    const type = variants ? `object, one of the forms below` : typeOf(raw);
    out.push(`| ${code(field)} | ${cell(type)} | ${required.has(name) ? 'yes' : ''} | ${cell(def)} | ${cell(variants ? '' : constraintsOf(raw))} | ${cell(desc)} |`);
    const inner = nullableOf(raw) ?? raw;
    if (variants) for (const v of variants) later.push({ title: `${code(field)} with ${code(variantLabel(v))}`, schema: v });
    else if (inner.type === 'object' && inner.properties) rows(inner, `${field}.`, out, later);
    else if (inner.type === 'array' && inner.items?.type === 'object' && inner.items.properties) rows(inner.items, `${field}[].`, out, later);
  }
}

function objectTable(s: Schema, level: string): string[] {
  const out: string[] = [];
  const variants = objectVariants(s);
  if (variants) {
    out.push('One of:', '');
    for (const v of variants) out.push(...section({ title: code(variantLabel(v)), schema: v }, level));
    return out;
  }
  const later: Section[] = [];
  const body: string[] = ['| field | type | required | default | constraints | description |', '|---|---|---|---|---|---|'];
  rows(s, '', body, later);
  out.push(...body, '');
  for (const rule of s['x-rules'] ?? []) out.push(`- Rule: ${rule}.`);
  if (s['x-rules']?.length) out.push('');
  for (const sec of later) out.push(...section(sec, level));
  return out;
}

function section(sec: Section, level: string): string[] {
  const out = [`${level} ${sec.title}`, ''];
  if (sec.schema.description) out.push(sec.schema.description, '');
  if (sec.schema.additionalProperties === false) out.push('Unknown fields are refused.', '');
  out.push(...objectTable(sec.schema, level));
  return out;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

export function renderApiMarkdown(doc: Schema = openApiDocument()): string {
  const out: string[] = [];
  const schemas: Record<string, Schema> = doc.components.schemas;
  out.push(
    `# ${doc.info.title} ${doc.info.version}`, '',
    '<!-- Generated from the OpenAPI document (shared/http/openapi.ts, served at GET /openapi.json) by `npm run docs:api`. Do not edit; test/unit/openapi.test.ts fails when it is stale. -->', '',
    doc.info.description, '',
    '## Signing', '',
    'Every operation except those marked unsigned needs all three headers:', '',
    '| header | value |', '|---|---|',
  );
  for (const s of Object.values(doc.components.securitySchemes) as Schema[]) out.push(`| ${code(s.name)} | ${cell(s.description)} |`);
  out.push('');

  const ops: Array<{ method: string; path: string; op: Schema }> = [];
  for (const [p, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    for (const [m, op] of Object.entries(item)) if (METHODS.includes(m)) ops.push({ method: m.toUpperCase(), path: p, op });
  }
  out.push('## Operations', '', '| method and path | summary |', '|---|---|');
  for (const { method, path: p, op } of ops) out.push(`| [${code(`${method} ${p}`)}](#${anchor(op.operationId)}) | ${cell(op.summary)} |`);
  out.push('');

  for (const tag of doc.tags as Schema[]) {
    out.push(`## ${tag.name}`, '', tag.description, '');
    for (const { method, path: p, op } of ops.filter((o) => o.op.tags?.includes(tag.name))) {
      out.push(`### ${op.operationId}`, '', `${code(`${method} ${p}`)} — ${op.summary}${Array.isArray(op.security) && op.security.length === 0 ? ' (unsigned)' : ''}`, '');
      if (op.description) out.push(op.description, '');
      for (const where of ['path', 'query'] as const) {
        const prms = ((op.parameters ?? []) as Schema[]).filter((x) => x.in === where);
        if (!prms.length) continue;
        out.push(`${where === 'path' ? 'Path' : 'Query'} parameters:`, '', '| name | type | description | rule |', '|---|---|---|---|');
        for (const prm of prms) {
          const s = prm.schema ?? {};
          const rule = s.pattern ? code(s.pattern) : [s.minimum !== undefined ? `≥ ${s.minimum}` : '', s.maximum !== undefined ? `≤ ${s.maximum}` : '', s.default !== undefined ? `default ${s.default}` : ''].filter(Boolean).join(', ');
          out.push(`| ${code(prm.name)} | ${s.type ?? ''} | ${cell(prm.description ?? '')} | ${rule} |`);
        }
        out.push('');
      }
      const bodyRef = op.requestBody?.content?.['application/json']?.schema;
      if (bodyRef) {
        const name = refName(bodyRef)!;
        out.push(...section({ title: `Request body: ${name}`, schema: schemas[name]! }, '####'));
      }
      out.push('Responses:', '', '| status | description | body |', '|---|---|---|');
      for (const [status, r] of Object.entries(op.responses as Record<string, Schema>)) {
        const s: Schema | undefined = r.content?.['application/json']?.schema;
        out.push(`| ${status} | ${cell(r.description)} | ${s ? cell(refName(s) ? typeOf(s) : s.properties ? 'object: ' + Object.entries(s.properties as Record<string, Schema>).map(([k, v]) => `${k} (${typeOf(v)})`).join(', ') : typeOf(s)) : ''} |`);
      }
      out.push('');
    }
  }

  const requestBodies = new Set(ops.map((o) => refName(o.op.requestBody?.content?.['application/json']?.schema ?? {})).filter(Boolean));
  out.push('## Response bodies', '');
  for (const [name, s] of Object.entries(schemas)) {
    if (requestBodies.has(name)) continue;
    out.push(...section({ title: name, schema: s }, '###'));
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await writeFile(API_MD_PATH, renderApiMarkdown());
  console.log(`wrote ${path.relative(process.cwd(), API_MD_PATH)}`);
}
