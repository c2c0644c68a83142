/** One field of a settings form, described from the API's zod schema on the server. */
export interface FieldSpec {
  name: string;
  /** `lots`: a CONTRACT → whole lots map, one `XBTUSDTM=100` per line; `json`: nested objects */
  kind: 'boolean' | 'integer' | 'number' | 'string' | 'enum' | 'lots' | 'json';
  /** blank means "the default" */
  optional: boolean;
  /** blank means null */
  nullable: boolean;
  /** the unit and meaning, from the schema's description */
  hint: string | null;
  options?: string[];
}

/** A value as the form field shows it. */
export function fieldText(spec: FieldSpec, value: unknown): string {
  if (value === undefined || value === null) return '';
  if (spec.kind === 'lots')
    return Object.entries(value as Record<string, number>)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n');
  if (spec.kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}
