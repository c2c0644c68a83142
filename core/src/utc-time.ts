/**
 * The one date parser: "UTC unless it says otherwise". Accepts a date (`2025-05-01`, midnight UTC), a
 * date-time with minutes, seconds or fractions (`2025-05-01T12:00`, `2025-05-01 12:00:05.5`), read as
 * UTC when it names no zone, or with a zone (`Z`, `+02:00`, `+0200`). Epoch numbers are left to the
 * caller (an alert's seconds-or-ms rule differs from a CLI's ms). Returns epoch ms, or NaN for
 * anything else, including dates that do not exist (`2025-02-30`).
 *
 * @example parseUtcTime('2025-05-01T12:00') === Date.UTC(2025, 4, 1, 12)
 */
export function parseUtcTime(text: string): number {
  const m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      text.trim(),
    );
  if (!m) return Number.NaN;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const ms = frac ? `.${frac.slice(1, 4).padEnd(3, '0')}` : '';
  const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const t = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${ms}${offset}`);
  // Date.parse rolls 2025-02-30 over to March: a date that does not exist is refused instead.
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (
    day.getUTCFullYear() !== Number(y) ||
    day.getUTCMonth() !== Number(mo) - 1 ||
    day.getUTCDate() !== Number(d)
  )
    return Number.NaN;
  return t;
}
