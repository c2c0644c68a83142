import type { ReactNode } from 'react';

/**
 * A box that scrolls on its own (wide tables, long JSON): reachable by keyboard so it can be scrolled
 * without a mouse, and named for screen readers.
 */
export function Scrollable(props: {
  as?: 'div' | 'pre';
  className: string;
  label: string;
  testId?: string;
  children: ReactNode;
}) {
  const Tag = props.as ?? 'div';
  return (
    <Tag
      className={props.className}
      tabIndex={0}
      role="region"
      aria-label={props.label}
      data-testid={props.testId}
    >
      {props.children}
    </Tag>
  );
}
