import { Form, NavLink } from '@remix-run/react';
import type { ReactNode } from 'react';
import { useTime } from '../lib/time.tsx';
import type { Role } from '../lib/types.ts';

/** The pages of the dashboard, in the order of the navigation. */
export const PAGES = [
  { to: '/', label: 'Trading' },
  { to: '/performance', label: 'P&L' },
  { to: '/settings', label: 'Settings' },
] as const;

/** Links to the other pages (the top bar's and the sub-pages' navigation). */
export function PageNav() {
  return (
    <nav aria-label="pages" className="tabs pages">
      {PAGES.map((p) => (
        <NavLink key={p.to} to={p.to} end>
          {p.label}
        </NavLink>
      ))}
    </nav>
  );
}

/**
 * The header of every page: brand, navigation, then `stats` (the trading page's figures) and the
 * status chips: `children` (the trading page's live state, breakers, kill switch) before the time
 * zone switch and sign out, which every page has.
 */
export function PageHeader({
  role,
  stats,
  children,
}: {
  role: Role;
  stats?: ReactNode;
  children?: ReactNode;
}) {
  const { mode, setMode } = useTime();
  return (
    <header className="topbar">
      <div className="brand">
        <span aria-hidden="true">◆</span> Enigma
      </div>
      <PageNav />
      {stats}
      <div className="status">
        {children}
        <button
          type="button"
          className="chip"
          onClick={() => setMode(mode === 'utc' ? 'local' : 'utc')}
          title={`times are shown in ${mode === 'utc' ? 'UTC' : 'local time'}: press to switch`}
        >
          {mode === 'utc' ? 'UTC' : 'Local'}
        </button>
        <Form method="post" action="/logout" className="inline">
          <button type="submit" className="chip" title={`signed in as ${role}`}>
            {role} · Sign out
          </button>
        </Form>
      </div>
    </header>
  );
}
