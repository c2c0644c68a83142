import { createContext, type ReactNode, useCallback, useContext, useEffect, useState } from 'react';

export type TimeZoneMode = 'utc' | 'local';

interface TimeCtx {
  mode: TimeZoneMode;
  setMode(mode: TimeZoneMode): void;
  /** "2026-12-06 05:51:04" in the chosen zone */
  format(value: string | number | Date | null | undefined, withSeconds?: boolean): string;
  /** seconds to add to a UTC epoch second so the chart shows the chosen zone */
  chartOffsetSeconds(epochMs: number): number;
}

const pad = (n: number) => String(n).padStart(2, '0');

function formatIn(mode: TimeZoneMode, d: Date, withSeconds: boolean): string {
  const utc = mode === 'utc';
  const y = utc ? d.getUTCFullYear() : d.getFullYear();
  const mo = utc ? d.getUTCMonth() : d.getMonth();
  const da = utc ? d.getUTCDate() : d.getDate();
  const h = utc ? d.getUTCHours() : d.getHours();
  const mi = utc ? d.getUTCMinutes() : d.getMinutes();
  const s = utc ? d.getUTCSeconds() : d.getSeconds();
  return `${y}-${pad(mo + 1)}-${pad(da)} ${pad(h)}:${pad(mi)}${withSeconds ? `:${pad(s)}` : ''}`;
}

const Ctx = createContext<TimeCtx | null>(null);

/**
 * One UTC/local switch for the whole page, chart included. UTC on the server and the first paint (so
 * hydration matches); the choice is remembered in localStorage.
 */
export function TimeZoneProvider({ children }: { children: ReactNode }) {
  const [mode, setModeState] = useState<TimeZoneMode>('utc');
  useEffect(() => {
    if (localStorage.getItem('enigma.tz') === 'local') setModeState('local');
  }, []);
  const setMode = useCallback((m: TimeZoneMode) => {
    localStorage.setItem('enigma.tz', m);
    setModeState(m);
  }, []);
  const format = useCallback(
    (value: string | number | Date | null | undefined, withSeconds = true) => {
      if (value === null || value === undefined || value === '') return '—';
      const d = value instanceof Date ? value : new Date(value);
      return Number.isNaN(d.getTime()) ? '—' : formatIn(mode, d, withSeconds);
    },
    [mode],
  );
  const chartOffsetSeconds = useCallback(
    (epochMs: number) => (mode === 'utc' ? 0 : -new Date(epochMs).getTimezoneOffset() * 60),
    [mode],
  );
  return <Ctx.Provider value={{ mode, setMode, format, chartOffsetSeconds }}>{children}</Ctx.Provider>;
}

export function useTime(): TimeCtx {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useTime outside TimeZoneProvider');
  return ctx;
}
