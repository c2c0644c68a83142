import { appendFileSync, closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import type { Bar } from '@enigma/core/marketdata/index';

/** Header of candle CSVs: the format of ../shared/data (times in ms UTC, numbers as exact decimals). */
export const CANDLE_CSV_HEADER = 'time,open,high,low,close,volume';
export const FUNDING_CSV_HEADER = 'time,rate';

/** Read the last non-empty line of a file without reading all of it. */
export function lastLine(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const size = statSync(path).size;
  if (size === 0) return undefined;
  const fd = openSync(path, 'r');
  try {
    const chunk = Math.min(size, 64 * 1024);
    const buf = Buffer.alloc(chunk);
    readSync(fd, buf, 0, chunk, size - chunk);
    const lines = buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    return lines[lines.length - 1];
  } finally {
    closeSync(fd);
  }
}

/**
 * The time of the last row of a CSV written by us, or undefined for a missing/empty file (header only).
 * A file with a different header is refused rather than appended to.
 */
export function lastCsvTime(path: string, header: string): number | undefined {
  if (!existsSync(path) || statSync(path).size === 0) return undefined;
  const fd = openSync(path, 'r');
  let first: string;
  try {
    const buf = Buffer.alloc(Math.min(statSync(path).size, 256));
    readSync(fd, buf, 0, buf.length, 0);
    first = buf.toString('utf8').split('\n')[0]!.trim();
  } finally {
    closeSync(fd);
  }
  if (first !== header)
    throw new Error(`${path}: unexpected header "${first}" (expected "${header}"); refusing to append`);
  const line = lastLine(path);
  if (!line || line.trim() === header) return undefined;
  const t = Number(line.split(',')[0]);
  if (!Number.isSafeInteger(t))
    throw new Error(`${path}: last row has no valid time: ${JSON.stringify(line)}`);
  return t;
}

/** Append rows (creating the file with its header first). */
export function appendCsv(path: string, header: string, rows: readonly string[]): void {
  if (!existsSync(path) || statSync(path).size === 0) writeFileSync(path, `${header}\n`);
  if (rows.length > 0) appendFileSync(path, `${rows.join('\n')}\n`);
}

export function candleCsvRow(b: Bar): string {
  return [
    b.openTime,
    b.open.toString(),
    b.high.toString(),
    b.low.toString(),
    b.close.toString(),
    b.volume.toString(),
  ].join(',');
}
