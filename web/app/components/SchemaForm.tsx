import { type FieldSpec, fieldText } from '../lib/form-fields.ts';

/**
 * The inputs of a settings form, one per field of the API's schema, each with its unit and its
 * error in place (`aria-invalid`, `aria-describedby`). Blank optional fields take their default.
 */
export function SchemaFields(props: {
  idPrefix: string;
  specs: FieldSpec[];
  values: Record<string, unknown>;
  /** shown as the placeholder of blank optional fields */
  defaults?: Record<string, unknown>;
  errors?: Record<string, string>;
  disabled?: boolean;
}) {
  const { idPrefix, specs, values, defaults = {}, errors = {}, disabled = false } = props;
  return (
    <div className="form-grid">
      {specs.map((f) => {
        const id = `${idPrefix}-${f.name}`;
        const err = errors[f.name];
        const described = [f.hint ? `${id}-hint` : null, err ? `${id}-err` : null].filter(Boolean).join(' ');
        const common = {
          id,
          name: f.name,
          disabled,
          'aria-invalid': err ? true : undefined,
          'aria-describedby': described || undefined,
        };
        const text = fieldText(f, values[f.name]);
        const placeholder = f.optional ? fieldText(f, defaults[f.name]) || 'default' : undefined;
        if (f.kind === 'boolean')
          return (
            <div key={f.name}>
              <label className="check" htmlFor={id}>
                <input type="checkbox" {...common} defaultChecked={values[f.name] === true} />
                {f.name}
              </label>
              {f.hint ? (
                <span id={`${id}-hint`} className="hint">
                  {f.hint}
                </span>
              ) : null}
              {err ? (
                <p id={`${id}-err`} className="field-error" role="alert">
                  {err}
                </p>
              ) : null}
            </div>
          );
        return (
          <div key={f.name}>
            <label htmlFor={id}>
              {f.name}
              {f.kind === 'enum' ? (
                <select {...common} defaultValue={text}>
                  {(f.options ?? []).map((o) => (
                    <option key={o}>{o}</option>
                  ))}
                </select>
              ) : f.kind === 'json' || f.kind === 'lots' ? (
                <textarea
                  {...common}
                  defaultValue={text}
                  placeholder={
                    f.kind === 'lots'
                      ? placeholder?.replace(/^default$/, 'none (e.g. XBTUSDTM=100)')
                      : placeholder
                  }
                  rows={Math.min(8, Math.max(2, text.split('\n').length))}
                />
              ) : (
                <input
                  {...common}
                  defaultValue={text}
                  placeholder={placeholder}
                  inputMode={
                    f.kind === 'integer'
                      ? 'numeric'
                      : f.kind === 'number' || f.kind === 'string'
                        ? 'decimal'
                        : undefined
                  }
                  autoComplete="off"
                />
              )}
            </label>
            {f.hint ? (
              <span id={`${id}-hint`} className="hint">
                {f.hint}
              </span>
            ) : null}
            {err ? (
              <p id={`${id}-err`} className="field-error" role="alert">
                {err}
              </p>
            ) : null}
          </div>
        );
      })}
    </div>
  );
}
