import type { FieldSpec } from './form-fields.ts';

interface ZodInternals {
  _zod: { def: { type: string; innerType?: unknown; valueType?: unknown } };
  description?: string;
  isInt?: boolean;
  options?: readonly string[];
}

/**
 * The fields of a zod object schema as a form shows them: kind, enum options, whether blank means
 * "default" (optional) or null (nullable), and the schema's own description (its unit) as the hint.
 */
export function describeFields(
  schema: { shape: Record<string, unknown> },
  hints: Record<string, string> = {},
): FieldSpec[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    let s = field as unknown as ZodInternals;
    const outer = s;
    let optional = false;
    let nullable = false;
    for (;;) {
      const t = s._zod.def.type;
      if (t === 'optional' || t === 'default') optional = true;
      else if (t === 'nullable') nullable = true;
      else break;
      s = s._zod.def.innerType as ZodInternals;
    }
    const t = s._zod.def.type;
    const kind: FieldSpec['kind'] =
      t === 'boolean'
        ? 'boolean'
        : t === 'number'
          ? s.isInt
            ? 'integer'
            : 'number'
          : t === 'string'
            ? 'string'
            : t === 'enum'
              ? 'enum'
              : t === 'record' && (s._zod.def.valueType as ZodInternals)._zod.def.type === 'number'
                ? 'lots'
                : 'json';
    const hint = hints[name] ?? outer.description ?? s.description ?? null;
    return {
      name,
      kind,
      optional,
      nullable,
      hint,
      ...(kind === 'enum' ? { options: [...(s.options ?? [])] } : {}),
    };
  });
}

/**
 * Read a submitted form into the JSON body for the API: blank optional fields are left out (the
 * default applies), blank nullable ones are null; what cannot be read becomes a field error here,
 * before the API is asked.
 */
export function readFields(
  specs: FieldSpec[],
  form: FormData,
): { body: Record<string, unknown>; errors: Record<string, string> } {
  const body: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const f of specs) {
    if (f.kind === 'boolean') {
      body[f.name] = form.get(f.name) === 'on';
      continue;
    }
    const raw = String(form.get(f.name) ?? '').trim();
    if (raw === '') {
      if (f.nullable) body[f.name] = null;
      else if (!f.optional) errors[f.name] = 'required';
      continue;
    }
    if (f.kind === 'integer' || f.kind === 'number') {
      const n = Number(raw);
      if (!Number.isFinite(n) || (f.kind === 'integer' && !Number.isInteger(n)))
        errors[f.name] = f.kind === 'integer' ? 'a whole number' : 'a number';
      else body[f.name] = n;
    } else if (f.kind === 'lots') {
      const out: Record<string, number> = {};
      for (const line of raw
        .split(/[\n,]+/)
        .map((l) => l.trim())
        .filter(Boolean)) {
        const m = /^([A-Z0-9]{2,20}M)\s*[=:]\s*(\d+)$/.exec(line);
        if (!m) {
          errors[f.name] = `"${line}": one CONTRACT=lots per line, e.g. XBTUSDTM=100`;
          break;
        }
        out[m[1]!] = Number(m[2]);
      }
      body[f.name] = out;
    } else if (f.kind === 'json') {
      try {
        body[f.name] = JSON.parse(raw);
      } catch (e) {
        errors[f.name] = `not valid JSON: ${(e as Error).message}`;
      }
    } else body[f.name] = raw;
  }
  return { body, errors };
}

/** The API's validation issues as field errors (`sizing.notional` → field `sizing`). */
export function issuesToFields(json: unknown): { error: string; fields: Record<string, string> } {
  const err = (
    json as { error?: { message?: string; details?: { issues?: { path: string; message: string }[] } } }
  )?.error;
  const fields: Record<string, string> = {};
  for (const i of err?.details?.issues ?? []) {
    const [head, ...rest] = i.path.split('.');
    const key = head || '_';
    const text = rest.length ? `${rest.join('.')}: ${i.message}` : i.message;
    fields[key] = fields[key] ? `${fields[key]}; ${text}` : text;
  }
  return { error: err?.message ?? 'refused', fields };
}
