import { parseTraceparent } from '@enigma/core/streams/traceparent';
import { type EnigmaDb, getSignalDetail, type SignalDetail } from '@enigma/db';
import type { CliCommand } from '../command.ts';
import { openConfiguredDatabase } from './migrate.ts';

/** One step of a signal's life as the database recorded it. */
export interface TimelineStep {
  at: Date;
  step: string;
  detail: string;
}

export interface SignalTimeline {
  signalId: string;
  status: string;
  /** the W3C trace id the edge gave the signal (search it in Jaeger/Tempo), when it has one */
  traceId: string | null;
  steps: TimelineStep[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const text = (parts: (string | null | undefined | false)[]) => parts.filter(Boolean).join(' ');

/**
 * A signal's timeline from what the database holds (`getSignalDetail`, the dashboard's drill-down):
 * intake, score, risk decisions, the decided intent, each order's creation, sending and end, each fill
 * (the protective stop is an order of purpose `stop`), operator commands, and its status now.
 * Chronological; steps recorded at the same instant keep this order.
 */
export function signalTimeline(detail: SignalDetail): SignalTimeline {
  const { signal } = detail;
  const steps: TimelineStep[] = [];
  const add = (at: Date | null | undefined, step: string, detail: string) => {
    if (at) steps.push({ at, step, detail });
  };
  add(signal.alertTime, 'alert', `stamped by the sender (${signal.source})`);
  add(
    signal.receivedAt,
    'received',
    text([signal.source, signal.action, signal.symbol, signal.contracts && `size ${signal.contracts}`]),
  );
  for (const s of detail.scores) {
    add(s.createdAt, 'scored', text([`score ${s.score}`, `(${s.modelName} ${s.modelVersion})`, s.decision]));
  }
  for (const r of detail.riskEvents)
    add(r.at, `risk ${r.severity}`, text([r.code, r.message && `: ${r.message}`]));
  if (detail.intent) {
    const i = detail.intent;
    add(
      i.createdAt,
      'decided',
      text([i.side, `${i.size}`, i.style, i.reduceOnly && 'reduce-only', `(${i.status})`]),
    );
  }
  for (const o of detail.orders) {
    const what = text([o.purpose, o.side, o.type, `${o.size}`, o.stopPrice && `stop ${o.stopPrice}`]);
    add(o.createdAt, `order ${o.purpose}`, `${what} clientOid ${o.clientOid}`);
    // An `intent` row's send time is when its send began (its answer never recorded: a crash), and one
    // closed `not_sent` never reached the wire: neither is shown as sent.
    if (o.status === 'intent') add(o.submittedAt, 'send began', `${what} (no answer recorded)`);
    else if (o.reason?.startsWith('not_sent'))
      add(o.submittedAt, 'send began', `${what} (never on the wire)`);
    else add(o.submittedAt, 'sent', `${what} → exchange order ${o.exchangeOrderId ?? '(unknown)'}`);
    add(
      o.doneAt,
      `order ${o.status}`,
      text([what, o.avgFillPrice && `avg ${o.avgFillPrice}`, o.reason && `: ${o.reason}`]),
    );
  }
  for (const f of detail.fills) {
    add(f.filledAt, 'fill', text([f.side, `${f.size}`, `@ ${f.price}`, `fee ${f.fee}`, f.liquidity]));
  }
  for (const c of detail.commands) add(c.createdAt, 'command', text([c.type, c.status]));
  add(signal.updatedAt, `now ${signal.status}`, signal.reason ?? '');
  steps.sort((a, b) => a.at.getTime() - b.at.getTime());
  const traceparent = (signal.metadata as { traceparent?: unknown }).traceparent;
  return {
    signalId: signal.id,
    status: signal.status,
    traceId: parseTraceparent(typeof traceparent === 'string' ? traceparent : null)?.traceId ?? null,
    steps,
  };
}

/** The timeline as printed: a header with the trace id, then one line per step. */
export function formatTimeline(t: SignalTimeline): string[] {
  const start = t.steps[0]?.at.getTime() ?? 0;
  return [
    `signal ${t.signalId}: ${t.status}`,
    `trace  ${t.traceId ?? '(none: recorded before tracing, or not from a webhook)'}`,
    ...t.steps.map((s) => {
      const offset = `+${((s.at.getTime() - start) / 1000).toFixed(3)}s`.padStart(10);
      return `${s.at.toISOString()} ${offset}  ${s.step.padEnd(16)} ${s.detail}`.trimEnd();
    }),
  ];
}

/** The signal's timeline, or null when the database has no such signal. */
export async function traceSignal(db: EnigmaDb, signalId: string): Promise<SignalTimeline | null> {
  const detail = await getSignalDetail(db, signalId);
  return detail ? signalTimeline(detail) : null;
}

export const traceCommand: CliCommand = {
  name: 'trace',
  summary:
    "print a signal's timeline from the database (intake, decision, orders, fills, stop) and its trace id",
  usage: [
    'usage: enigma trace <signalId> [--json]',
    '',
    'Reads DATABASE_URL (or the embedded PGlite under ENIGMA_DATA_DIR). The trace id is the one the edge',
    'gave the alert: with OTEL_EXPORTER_OTLP_ENDPOINT set, search it in Jaeger, Tempo or Grafana Cloud',
    'for the spans (intake, decision, score, risk, every exchange call).',
  ].join('\n'),
  options: { json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [signalId, ...extra] = positionals;
    if (!signalId || extra.length > 0 || !UUID.test(signalId)) {
      console.error(
        `enigma trace: signalId must be one signal id (a UUID), got ${JSON.stringify(positionals.join(' '))}`,
      );
      return 2;
    }
    const { handle } = await openConfiguredDatabase();
    try {
      const timeline = await traceSignal(handle.db, signalId.toLowerCase());
      if (!timeline) {
        console.error(`enigma trace: no signal ${signalId} in the database`);
        return 1;
      }
      if (values.json) console.log(JSON.stringify(timeline));
      else for (const line of formatTimeline(timeline)) console.log(line);
      return 0;
    } finally {
      await handle.close();
    }
  },
};
