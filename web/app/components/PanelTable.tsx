import type { ReactNode } from 'react';
import { Scrollable } from './Scrollable.tsx';

/**
 * The table every list panel uses: a scroll box (wide tables scroll inside their card, never the
 * page), column headers, and the empty state when there are no rows.
 */
export function PanelTable(props: {
  columns: (string | false)[];
  /** names the scrolling table for screen readers */
  label?: string;
  empty: string | null;
  children: ReactNode;
}) {
  if (props.empty !== null) return <p className="empty">{props.empty}</p>;
  return (
    <Scrollable className="table-scroll" label={props.label ?? 'table'}>
      <table>
        <thead>
          <tr>
            {props.columns
              .filter((c): c is string => c !== false)
              .map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </Scrollable>
  );
}
