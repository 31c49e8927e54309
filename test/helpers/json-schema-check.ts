/**
 * A small JSON Schema (2020-12 subset) checker for tests: the keywords the OpenAPI document uses
 * (type, enum, const, numeric and length bounds, multipleOf, pattern, format uri, properties,
 * required, additionalProperties, items, min/maxItems, anyOf, oneOf, allOf, not, $ref into
 * #/components/schemas). Annotations (description, default, x-*) are ignored. Returns the
 * problems found; none means the value is accepted.
 */

type Schema = Record<string, any>;

export interface CheckOptions {
  /** The document that $refs resolve against. */
  root?: Schema;
  /** Treat objects with `properties` as closed (to prove a view has no field the schema lacks). */
  closed?: boolean;
}

function typeMatches(t: string, v: unknown): boolean {
  switch (t) {
    case 'null': return v === null;
    case 'boolean': return typeof v === 'boolean';
    case 'string': return typeof v === 'string';
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'array': return Array.isArray(v);
    case 'object': return typeof v === 'object' && v !== null && !Array.isArray(v);
    default: throw new Error(`unsupported type ${t}`);
  }
}

export function checkJsonSchema(schema: Schema, value: unknown, o: CheckOptions = {}, at = '$'): string[] {
  const errs: string[] = [];
  const fail = (m: string) => errs.push(`${at}: ${m}`);
  if (typeof schema.$ref === 'string') {
    const m = /^#\/components\/schemas\/(.+)$/.exec(schema.$ref);
    const target = m && o.root?.components?.schemas?.[m[1]!];
    if (!target) return [`${at}: unresolvable $ref ${schema.$ref}`];
    return checkJsonSchema(target, value, o, at);
  }
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((t) => typeMatches(t, value))) return [`${at}: expected ${types.join(' or ')}, got ${JSON.stringify(value)}`];
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) fail(`expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.some((e: unknown) => JSON.stringify(e) === JSON.stringify(value))) fail(`not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail(`< minimum ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) fail(`> maximum ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) fail(`<= exclusiveMinimum ${schema.exclusiveMinimum}`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) fail(`>= exclusiveMaximum ${schema.exclusiveMaximum}`);
    if (schema.multipleOf !== undefined && !Number.isInteger(value / schema.multipleOf)) fail(`not a multiple of ${schema.multipleOf}`);
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (schema.minLength !== undefined && len < schema.minLength) fail(`shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && len > schema.maxLength) fail(`longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) fail(`does not match ${schema.pattern}`);
    if (schema.format === 'uri' && !URL.canParse(value)) fail('not a URI');
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail(`fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail(`more than ${schema.maxItems} items`);
    if (schema.items) value.forEach((v, i) => errs.push(...checkJsonSchema(schema.items, v, o, `${at}[${i}]`)));
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props: Record<string, Schema> = schema.properties ?? {};
    for (const r of schema.required ?? []) if (!(r in obj)) fail(`missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (props[k]) errs.push(...checkJsonSchema(props[k], v, o, `${at}.${k}`));
      else if (schema.additionalProperties === false || (o.closed && schema.properties)) fail(`unexpected field ${k}`);
      else if (typeof schema.additionalProperties === 'object') errs.push(...checkJsonSchema(schema.additionalProperties, v, o, `${at}.${k}`));
    }
  }
  if (schema.allOf) for (const s of schema.allOf) errs.push(...checkJsonSchema(s, value, o, at));
  if (schema.anyOf && !schema.anyOf.some((s: Schema) => checkJsonSchema(s, value, o, at).length === 0)) {
    fail(`matches none of anyOf: ${schema.anyOf.map((s: Schema) => checkJsonSchema(s, value, o, at).join(', ')).join(' | ')}`);
  }
  if (schema.oneOf) {
    const n = schema.oneOf.filter((s: Schema) => checkJsonSchema(s, value, o, at).length === 0).length;
    if (n !== 1) fail(`matches ${n} of oneOf, not exactly 1`);
  }
  if (schema.not && checkJsonSchema(schema.not, value, o, at).length === 0) fail('matches `not`');
  return errs;
}
