import { type ReactNode, useEffect, useState } from 'react';

/**
 * A button that asks once more before acting: the first press arms it ("Confirm …"), the second runs
 * `onConfirm`; it disarms by itself after a few seconds or on Escape.
 */
export function ConfirmButton(props: {
  children: ReactNode;
  confirmLabel: ReactNode;
  onConfirm(): void | Promise<void>;
  className?: string;
  disabled?: boolean;
  testId?: string;
}) {
  const [armed, setArmed] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (!armed) return;
    const t = setTimeout(() => setArmed(false), 5000);
    return () => clearTimeout(t);
  }, [armed]);
  return (
    <button
      type="button"
      className={`${props.className ?? ''} ${armed ? 'armed' : ''}`}
      disabled={props.disabled || busy}
      data-testid={props.testId}
      onKeyDown={(e) => {
        if (e.key === 'Escape') setArmed(false);
      }}
      onClick={async () => {
        if (!armed) return setArmed(true);
        setArmed(false);
        setBusy(true);
        try {
          await props.onConfirm();
        } finally {
          setBusy(false);
        }
      }}
    >
      {busy ? '…' : armed ? props.confirmLabel : props.children}
    </button>
  );
}
