import type { AuditEntry, ExchangeCredentialSummary } from '@enigma/core/api/responses';
import { DEFAULT_STRATEGY, strategyConfigSchema } from '@enigma/core/engine/strategy';
import { DEFAULT_RISK_LIMITS, riskLimitsSchema } from '@enigma/core/risk/limits';
import {
  type ActionFunctionArgs,
  data,
  type LoaderFunctionArgs,
  type MetaFunction,
  redirect,
} from '@remix-run/node';
import { Form, useActionData, useLoaderData, useNavigation } from '@remix-run/react';
import { useState } from 'react';
import type { DashboardContext } from '../../server/context.ts';
import { PageHeader } from '../components/PageHeader.tsx';
import { PanelTable } from '../components/PanelTable.tsx';
import { SchemaFields } from '../components/SchemaForm.tsx';
import { Scrollable } from '../components/Scrollable.tsx';
import { describeFields, issuesToFields, readFields } from '../lib/form-fields.server.ts';
import { apiReader, callApi, requireSession } from '../lib/session.server.ts';
import { TimeZoneProvider, useTime } from '../lib/time.tsx';
import type { RiskLimits, Role } from '../lib/types.ts';

export const meta: MetaFunction = () => [{ title: 'Enigma · settings' }];

/** Units of the strategy fields (the risk limits carry theirs in the schema's descriptions). */
const STRATEGY_HINTS: Record<string, string> = {
  mode: 'signal: buy/sell/close/reverse with the sizing rules; target: trade to market_position × position_size × multiplier',
  multiplier: 'target mode: lots per unit of TradingView’s position_size',
  leverage: 'times (1–125; the risk limit maxLeverage also applies)',
  minScore: 'our score (0–1) below which an entry is refused; blank: no minimum',
  modelGate: 'record: the model’s gate is only recorded; block: entries it does not pass are refused',
  sizing:
    '{"method":"fixed_notional","notional":"100"} USDT | {"method":"fixed_lots","lots":1} | {"method":"equity_fraction","pct":"5"} % | {"method":"risk","riskPct":"1"} %',
  scaleByScore: 'scale the entry size by the score (0–1), never above the unscaled size',
  stop: '{"kind":"atr","multiple":"2","period":14,"timeframe":"1m","minPct":"0.5"} (minPct: never closer than 0.5 % of entry) or {"kind":"pct","pct":"1"} (% of entry)',
  takeProfits: '[{"r":"2","fraction":"0.5"}]: at 2 × the stop distance close half; at most 5',
  trailing: '{"activateR":"1","distanceR":"1"} in multiples of the stop distance, or null',
  execution:
    '{"style":"twap","slippageBps":50,"twap":{"slices":5,"durationSeconds":60}}: style auto | market | limit_chase | twap | iceberg; slippageBps budget from the touch; chase {maxTicks,maxSeconds,repriceMs,fallback:"taker"|"stop"}, iceberg {visibleLots,maxSeconds} (docs/router.md)',
  symbols: '{"ETHUSDTM":{"leverage":3}}: per-contract overrides of any field above',
};

/** How many of the newest audit entries the page lists. */
const AUDIT_PAGE = 50;

interface Source {
  id: string;
  name: string;
  kind: string;
  enabled: boolean;
  hmacRequired: boolean;
  ipAllowlist: string[];
  rateLimitPerMin: number;
  staleAfterSeconds: number;
}
interface ApiKeyItem {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const ctx = context as unknown as DashboardContext;
  const { session, setCookie } = await requireSession(request, ctx);
  const { get, state } = apiReader(ctx, request, session.accessToken);
  const admin = session.role === 'admin';
  const [risk, sources, keys, credentials, audit] = await Promise.all([
    get<{ limits: RiskLimits; effective: Record<string, unknown> | null; limitsError: string | null }>(
      '/risk',
    ),
    admin ? get<{ items: Source[] }>('/settings/webhook-sources') : null,
    admin ? get<{ items: ApiKeyItem[] }>('/api-keys') : null,
    admin ? get<{ items: ExchangeCredentialSummary[] }>('/settings/exchange-credentials') : null,
    admin ? get<{ items: AuditEntry[] }>(`/audit?limit=${AUDIT_PAGE}`) : null,
  ]);
  const strategies: Record<string, { value: unknown; stored: boolean }> = {};
  await Promise.all(
    (sources?.items ?? []).map(async (s) => {
      const stored = await get<unknown>(`/settings/strategies/${encodeURIComponent(s.name)}`);
      strategies[s.name] = { value: stored ?? DEFAULT_STRATEGY, stored: stored !== null };
    }),
  );
  if (state.signedOut) throw redirect('/login');
  const body = {
    role: session.role as Role,
    origin: new URL(request.url).origin,
    riskFields: describeFields(riskLimitsSchema),
    riskDefaults: DEFAULT_RISK_LIMITS as unknown as Record<string, unknown>,
    limits: (risk?.limits ?? {}) as Record<string, unknown>,
    limitsError: risk?.limitsError ?? null,
    strategyFields: describeFields(strategyConfigSchema, STRATEGY_HINTS),
    sources: sources?.items ?? [],
    strategies,
    keys: keys?.items ?? [],
    credentials: credentials?.items ?? [],
    audit: audit?.items ?? [],
  };
  return data(body, { headers: setCookie ? { 'set-cookie': setCookie } : {} }) as unknown as typeof body;
}

/** What a settings form answered: ok or the API's refusal with field errors, and a secret shown once. */
export interface SettingsResult {
  intent: string;
  target: string | null;
  ok: boolean;
  message: string;
  fields: Record<string, string>;
  secret?: string;
}

export async function action({ request, context }: ActionFunctionArgs): Promise<SettingsResult> {
  const ctx = context as unknown as DashboardContext;
  const { session, setCookie } = await requireSession(request, ctx);
  const form = await request.formData();
  const intent = String(form.get('intent') ?? '');
  const target = form.get('target') === null ? null : String(form.get('target'));
  // `data()` carries the status and the refreshed cookie; the page receives the plain SettingsResult
  const reply = (r: Omit<SettingsResult, 'intent' | 'target'>) =>
    data({ intent, target, ...r } satisfies SettingsResult, {
      status: r.ok ? 200 : 400,
      headers: setCookie ? { 'set-cookie': setCookie } : {},
    }) as unknown as SettingsResult;
  const send = async (method: string, path: string, body: unknown, done: string) => {
    const res = await callApi(ctx, request, path, { method, token: session.accessToken, body });
    if (res.status === 401) throw redirect('/login');
    const json = res.status === 204 ? null : await res.json().catch(() => null);
    if (!res.ok)
      return reply({ ok: false, message: issuesToFields(json).error, fields: issuesToFields(json).fields });
    return reply({
      ok: true,
      message: done,
      fields: {},
      ...(json && typeof (json as { secret?: unknown }).secret === 'string'
        ? { secret: (json as { secret: string }).secret }
        : {}),
      ...(json && typeof (json as { key?: unknown }).key === 'string'
        ? { secret: (json as { key: string }).key }
        : {}),
    });
  };
  const local = (errors: Record<string, string>) =>
    reply({ ok: false, message: 'fix the fields marked below', fields: errors });

  switch (intent) {
    case 'risk-limits': {
      const { body, errors } = readFields(describeFields(riskLimitsSchema), form);
      if (Object.keys(errors).length) return local(errors);
      return send('PUT', '/settings/risk-limits', body, 'risk limits saved');
    }
    case 'strategy': {
      const { body, errors } = readFields(describeFields(strategyConfigSchema, STRATEGY_HINTS), form);
      if (Object.keys(errors).length) return local(errors);
      return send('PUT', `/settings/strategies/${encodeURIComponent(target ?? '')}`, body, 'strategy saved');
    }
    case 'source-update': {
      const n = (k: string) => Number(String(form.get(k) ?? '').trim() || Number.NaN);
      const fields: Record<string, string> = {};
      const rate = n('rateLimitPerMin');
      const stale = n('staleAfterSeconds');
      if (!Number.isInteger(rate)) fields['rateLimitPerMin'] = 'a whole number of alerts per minute';
      if (!Number.isInteger(stale)) fields['staleAfterSeconds'] = 'a whole number of seconds';
      if (Object.keys(fields).length) return local(fields);
      const ipAllowlist = String(form.get('ipAllowlist') ?? '')
        .split(/[\s,]+/)
        .filter(Boolean);
      return send(
        'PATCH',
        `/settings/webhook-sources/${encodeURIComponent(String(form.get('id') ?? ''))}`,
        {
          ipAllowlist,
          enabled: form.get('enabled') === 'on',
          hmacRequired: form.get('hmacRequired') === 'on',
          rateLimitPerMin: rate,
          staleAfterSeconds: stale,
        },
        'source saved',
      );
    }
    case 'source-create':
      return send(
        'POST',
        '/settings/webhook-sources',
        { name: String(form.get('name') ?? '').trim(), kind: String(form.get('kind') ?? 'tradingview') },
        'source created: copy its secret now, it is not shown again',
      );
    case 'rotate': {
      const grace = Number(String(form.get('graceSeconds') ?? '0').trim() || '0');
      if (!Number.isInteger(grace)) return local({ graceSeconds: 'a whole number of seconds' });
      return send(
        'POST',
        `/settings/webhook-sources/${encodeURIComponent(target ?? '')}/rotate`,
        { graceSeconds: grace },
        'secret rotated: copy it now, it is not shown again',
      );
    }
    case 'apikey-create': {
      const expires = String(form.get('expiresAt') ?? '').trim();
      return send(
        'POST',
        '/api-keys',
        {
          name: String(form.get('name') ?? '').trim(),
          role: String(form.get('role') ?? 'viewer'),
          ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
        },
        'API key created: copy it now, it is not shown again',
      );
    }
    case 'apikey-revoke':
      return send(
        'DELETE',
        `/api-keys/${encodeURIComponent(String(form.get('id') ?? ''))}`,
        undefined,
        'API key revoked',
      );
    case 'exchange-credentials': {
      // write-only: the values go to the API and are never put back into the page
      const text = (k: string) => String(form.get(k) ?? '');
      return send(
        'PUT',
        '/settings/exchange-credentials',
        {
          name: text('name').trim(),
          apiKey: text('apiKey'),
          apiSecret: text('apiSecret'),
          passphrase: text('passphrase'),
          keyVersion: Number(text('keyVersion')),
        },
        'exchange credentials stored (encrypted; they are not shown again)',
      );
    }
    case 'audit-verify': {
      const res = await callApi(ctx, request, '/audit/verify', { token: session.accessToken });
      const json = (await res.json().catch(() => null)) as Record<string, unknown> | null;
      if (!res.ok) return reply({ ok: false, message: issuesToFields(json).error, fields: {} });
      const v = json as { ok?: boolean; rows?: number; firstBadSeq?: number; problem?: string } | null;
      return reply({
        ok: v?.ok === true,
        message: v?.ok
          ? `audit log verified: ${v.rows} entries, the chain is intact`
          : `audit log BROKEN: entry ${v?.firstBadSeq} ${v?.problem} (of ${v?.rows})`,
        fields: {},
      });
    }
    default:
      return reply({ ok: false, message: `unknown form ${intent}`, fields: {} });
  }
}

export default function SettingsRoute() {
  const d = useLoaderData<typeof loader>();
  return (
    <TimeZoneProvider>
      <PageHeader role={d.role} />
      <main className="page" data-testid="settings-page">
        <h1 className="sr-only">Settings</h1>
        {d.role !== 'admin' ? (
          <p className="card" data-testid="settings-readonly">
            Settings are changed by an admin; you are signed in as a {d.role}. The risk limits in force are
            shown below.
          </p>
        ) : null}
        <RiskLimitsForm />
        {d.role === 'admin' ? (
          <>
            <Sources />
            <ApiKeys />
            <ExchangeCredentials />
            <Audit />
          </>
        ) : null}
      </main>
    </TimeZoneProvider>
  );
}

/** The answer of the form `intent` (for `target`), when it is the last one submitted. */
function useResult(intent: string, target: string | null = null): SettingsResult | null {
  const r = useActionData<typeof action>() as SettingsResult | undefined;
  return r && r.intent === intent && r.target === target ? r : null;
}

function Outcome({ r, testId }: { r: SettingsResult | null; testId: string }) {
  if (!r) return null;
  return (
    <p className={r.ok ? 'saved' : 'error'} role="status" data-testid={testId}>
      {r.message}
    </p>
  );
}

function SubmitButton({ intent, target, label }: { intent: string; target?: string; label: string }) {
  const nav = useNavigation();
  const busy =
    nav.state !== 'idle' &&
    nav.formData?.get('intent') === intent &&
    (target === undefined || nav.formData?.get('target') === target);
  return (
    <button type="submit" className="primary" disabled={busy}>
      {busy ? 'Saving…' : label}
    </button>
  );
}

function RiskLimitsForm() {
  const d = useLoaderData<typeof loader>();
  const r = useResult('risk-limits');
  return (
    <section className="card" aria-labelledby="limits-title" data-testid="risk-limits-form">
      <h2 id="limits-title">Risk limits</h2>
      <p className="muted small">
        Blank fields take the default shown in grey (never “unlimited”). Percentages: 1 means 1 %. Money in
        USDT, sizes in whole lots.
      </p>
      {d.limitsError ? <p className="error">The stored limits do not parse: {d.limitsError}</p> : null}
      <Form method="post" replace preventScrollReset>
        <input type="hidden" name="intent" value="risk-limits" />
        <fieldset disabled={d.role !== 'admin'} className="plain-fieldset">
          <legend className="sr-only">Risk limits</legend>
          <SchemaFields
            idPrefix="limit"
            specs={d.riskFields}
            values={d.limits}
            defaults={d.riskDefaults}
            errors={r?.fields ?? {}}
          />
        </fieldset>
        {d.role === 'admin' ? <SubmitButton intent="risk-limits" label="Save risk limits" /> : null}
        <Outcome r={r} testId="risk-limits-result" />
      </Form>
    </section>
  );
}

/** TradingView alert messages for a source: one per strategy mode, with the secret when just shown. */
function alertMessage(mode: 'signal' | 'target', secret: string): string {
  const fields: Record<string, string> = {
    secret,
    timestamp: '{{timenow}}',
    exchange: '{{exchange}}',
    symbol: '{{ticker}}',
    interval: '{{interval}}',
    action: '{{strategy.order.action}}',
    contracts: '{{strategy.order.contracts}}',
    ...(mode === 'target'
      ? { position_size: '{{strategy.position_size}}', market_position: '{{strategy.market_position}}' }
      : {}),
    order_id: '{{strategy.order.id}}',
    price: '{{close}}',
  };
  return JSON.stringify(fields, null, 2);
}

function CopyBox({ text, label, testId }: { text: string; label: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="copy-box">
      <Scrollable as="pre" className="payload" label={label} testId={testId}>
        {text}
      </Scrollable>
      <button
        type="button"
        className="small"
        aria-label={`copy ${label}`}
        onClick={() => {
          void navigator.clipboard?.writeText(text).then(
            () => setCopied(true),
            () => setCopied(false),
          );
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

function Sources() {
  const d = useLoaderData<typeof loader>();
  const created = useResult('source-create');
  return (
    <section className="card" aria-labelledby="sources-title" data-testid="sources-panel">
      <h2 id="sources-title">Webhook sources</h2>
      {d.sources.length === 0 ? <p className="empty">No webhook source yet.</p> : null}
      {d.sources.map((s) => (
        <SourceCard key={s.id} s={s} />
      ))}
      <h3>New source</h3>
      <Form method="post" replace preventScrollReset className="row">
        <input type="hidden" name="intent" value="source-create" />
        <label>
          Name
          <input
            name="name"
            required
            pattern="[a-z0-9][a-z0-9_\-]{0,62}"
            aria-invalid={created?.fields['name'] ? true : undefined}
            aria-describedby={created?.fields['name'] ? 'new-source-err' : undefined}
          />
        </label>
        <label>
          Kind
          <select name="kind" defaultValue="tradingview">
            <option>tradingview</option>
            <option>custom</option>
            <option>api</option>
          </select>
        </label>
        <SubmitButton intent="source-create" label="Create" />
      </Form>
      {created?.fields['name'] ? (
        <p id="new-source-err" className="field-error">
          {created.fields['name']}
        </p>
      ) : null}
      <Outcome r={created} testId="source-create-result" />
      {created?.secret ? <CopyBox text={created.secret} label="the new secret" testId="new-secret" /> : null}
    </section>
  );
}

function SourceCard({ s }: { s: Source }) {
  const d = useLoaderData<typeof loader>();
  const saved = useResult('source-update', s.id);
  const rotated = useResult('rotate', s.name);
  const strategyResult = useResult('strategy', s.name);
  const strategy = d.strategies[s.name];
  const mode = ((strategy?.value as { mode?: string } | undefined)?.mode ?? 'signal') as 'signal' | 'target';
  const url = `${d.origin}/webhooks/tradingview${s.name === 'tradingview' ? '' : `?source=${encodeURIComponent(s.name)}`}`;
  const secret = rotated?.secret ?? '<the source secret>';
  return (
    <article className="card" aria-labelledby={`src-${s.id}`} data-testid={`source-${s.name}`}>
      <h3 id={`src-${s.id}`}>
        {s.name} <span className="muted">({s.kind})</span>{' '}
        <span className={`badge ${s.enabled ? 'ok' : 'grey'}`}>{s.enabled ? 'enabled' : 'disabled'}</span>
      </h3>
      <p className="small muted">Webhook URL (paste into the TradingView alert’s “Webhook URL”):</p>
      <CopyBox text={url} label={`the webhook URL of ${s.name}`} testId={`webhook-url-${s.name}`} />
      <details>
        <summary>TradingView alert messages</summary>
        <p className="small muted">
          Strategy mode <strong>signal</strong> (the action is traded with the sizing rules):
        </p>
        <CopyBox
          text={alertMessage('signal', secret)}
          label="the signal-mode alert message"
          testId={`alert-signal-${s.name}`}
        />
        <p className="small muted">
          Strategy mode <strong>target</strong> (the position follows market_position × position_size):
        </p>
        <CopyBox
          text={alertMessage('target', secret)}
          label="the target-mode alert message"
          testId={`alert-target-${s.name}`}
        />
        <p className="small muted">This source trades in {mode} mode (its strategy below).</p>
      </details>

      <h3>Secret</h3>
      <Form method="post" replace preventScrollReset className="row">
        <input type="hidden" name="intent" value="rotate" />
        <input type="hidden" name="target" value={s.name} />
        <label>
          Old secret stays valid for (seconds)
          <input
            name="graceSeconds"
            defaultValue="0"
            inputMode="numeric"
            aria-invalid={rotated?.fields['graceSeconds'] ? true : undefined}
          />
        </label>
        <SubmitButton intent="rotate" target={s.name} label="Rotate secret" />
      </Form>
      {rotated?.fields['graceSeconds'] ? (
        <p className="field-error">{rotated.fields['graceSeconds']}</p>
      ) : null}
      <Outcome r={rotated} testId={`rotate-result-${s.name}`} />
      {rotated?.secret ? (
        <CopyBox text={rotated.secret} label="the new secret" testId={`rotated-secret-${s.name}`} />
      ) : null}

      <h3>Intake policy</h3>
      <Form method="post" replace preventScrollReset>
        <input type="hidden" name="intent" value="source-update" />
        <input type="hidden" name="target" value={s.id} />
        <input type="hidden" name="id" value={s.id} />
        <div className="form-grid">
          <div>
            <label htmlFor={`ip-${s.id}`}>
              IP allowlist (one address or CIDR per line; empty: any address)
              <textarea
                id={`ip-${s.id}`}
                name="ipAllowlist"
                defaultValue={s.ipAllowlist.join('\n')}
                rows={3}
                aria-invalid={saved?.fields['ipAllowlist'] ? true : undefined}
                aria-describedby={saved?.fields['ipAllowlist'] ? `ip-${s.id}-err` : undefined}
              />
            </label>
            {saved?.fields['ipAllowlist'] ? (
              <p id={`ip-${s.id}-err`} className="field-error" role="alert">
                {saved.fields['ipAllowlist']}
              </p>
            ) : null}
          </div>
          <div>
            <label htmlFor={`rate-${s.id}`}>
              Rate limit (alerts per minute)
              <input
                id={`rate-${s.id}`}
                name="rateLimitPerMin"
                defaultValue={s.rateLimitPerMin}
                inputMode="numeric"
                aria-invalid={saved?.fields['rateLimitPerMin'] ? true : undefined}
              />
            </label>
            {saved?.fields['rateLimitPerMin'] ? (
              <p className="field-error">{saved.fields['rateLimitPerMin']}</p>
            ) : null}
          </div>
          <div>
            <label htmlFor={`stale-${s.id}`}>
              Stale after (seconds since the alert’s time)
              <input
                id={`stale-${s.id}`}
                name="staleAfterSeconds"
                defaultValue={s.staleAfterSeconds}
                inputMode="numeric"
                aria-invalid={saved?.fields['staleAfterSeconds'] ? true : undefined}
              />
            </label>
            {saved?.fields['staleAfterSeconds'] ? (
              <p className="field-error">{saved.fields['staleAfterSeconds']}</p>
            ) : null}
          </div>
          <div>
            <label className="check">
              <input type="checkbox" name="enabled" defaultChecked={s.enabled} /> enabled
            </label>
            <label className="check">
              <input type="checkbox" name="hmacRequired" defaultChecked={s.hmacRequired} /> HMAC signature
              required
            </label>
          </div>
        </div>
        <SubmitButton intent="source-update" target={s.id} label="Save policy" />
        <Outcome r={saved} testId={`source-result-${s.name}`} />
      </Form>

      <h3>Strategy {strategy?.stored ? '' : '(not stored yet: the engine’s default is shown)'}</h3>
      <Form method="post" replace preventScrollReset data-testid={`strategy-form-${s.name}`}>
        <input type="hidden" name="intent" value="strategy" />
        <input type="hidden" name="target" value={s.name} />
        <SchemaFields
          idPrefix={`strategy-${s.name}`}
          specs={d.strategyFields}
          values={(strategy?.value ?? {}) as Record<string, unknown>}
          errors={strategyResult?.fields ?? {}}
        />
        <SubmitButton intent="strategy" target={s.name} label="Save strategy" />
        <Outcome r={strategyResult} testId={`strategy-result-${s.name}`} />
      </Form>
    </article>
  );
}

function ApiKeys() {
  const d = useLoaderData<typeof loader>();
  const { format } = useTime();
  const created = useResult('apikey-create');
  const revoked = useResult('apikey-revoke');
  return (
    <section className="card" aria-labelledby="keys-title" data-testid="api-keys-panel">
      <h2 id="keys-title">API keys</h2>
      <PanelTable
        columns={['Name', 'Prefix', 'Role', 'Created', 'Last used', 'Expires', 'State', '']}
        empty={d.keys.length ? null : 'No API key.'}
      >
        {d.keys.map((k) => (
          <tr key={k.id}>
            <td>{k.name}</td>
            <td className="mono">{k.prefix}</td>
            <td>{k.role}</td>
            <td>{format(k.createdAt)}</td>
            <td>{format(k.lastUsedAt)}</td>
            <td>{format(k.expiresAt)}</td>
            <td>{k.revokedAt ? 'revoked' : 'active'}</td>
            <td className="actions">
              {k.revokedAt ? null : (
                <Form method="post" replace preventScrollReset>
                  <input type="hidden" name="intent" value="apikey-revoke" />
                  <input type="hidden" name="id" value={k.id} />
                  <button type="submit" className="small danger" aria-label={`revoke the API key ${k.name}`}>
                    Revoke
                  </button>
                </Form>
              )}
            </td>
          </tr>
        ))}
      </PanelTable>
      <h3>New key</h3>
      <Form method="post" replace preventScrollReset className="row">
        <input type="hidden" name="intent" value="apikey-create" />
        <label>
          Name
          <input
            name="name"
            required
            aria-invalid={created?.fields['name'] ? true : undefined}
            aria-describedby={created?.fields['name'] ? 'new-key-err' : undefined}
          />
        </label>
        <label>
          Role
          <select name="role" defaultValue="viewer">
            <option>viewer</option>
            <option>trader</option>
            <option>admin</option>
          </select>
        </label>
        <label>
          Expires (optional)
          <input name="expiresAt" type="datetime-local" />
        </label>
        <SubmitButton intent="apikey-create" label="Create key" />
      </Form>
      {created?.fields['name'] ? (
        <p id="new-key-err" className="field-error">
          {created.fields['name']}
        </p>
      ) : null}
      <Outcome r={created} testId="apikey-result" />
      {created?.secret ? (
        <CopyBox text={created.secret} label="the new API key" testId="new-api-key" />
      ) : null}
      <Outcome r={revoked} testId="apikey-revoke-result" />
    </section>
  );
}

function CredentialField({ name, label, r }: { name: string; label: string; r: SettingsResult | null }) {
  const err = r?.fields[name];
  return (
    <div>
      <label htmlFor={`cred-${name}`}>
        {label}
        <input
          id={`cred-${name}`}
          name={name}
          type="password"
          required
          autoComplete="off"
          aria-invalid={err ? true : undefined}
          aria-describedby={err ? `cred-${name}-err` : undefined}
        />
      </label>
      {err ? (
        <p id={`cred-${name}-err`} className="field-error">
          {err}
        </p>
      ) : null}
    </div>
  );
}

function ExchangeCredentials() {
  const d = useLoaderData<typeof loader>();
  const { format } = useTime();
  const r = useResult('exchange-credentials');
  return (
    <section className="card" aria-labelledby="creds-title" data-testid="exchange-credentials-panel">
      <h2 id="creds-title">Exchange credentials</h2>
      <p className="muted small">
        Write-only: stored envelope-encrypted and never shown back. Storing under a name in use replaces those
        credentials.
      </p>
      <PanelTable
        columns={['Name', 'Key version', 'Stored']}
        empty={d.credentials.length ? null : 'No exchange credentials stored.'}
      >
        {d.credentials.map((c) => (
          <tr key={c.id}>
            <td>{c.name}</td>
            <td>{c.keyVersion}</td>
            <td>{format(c.updatedAt)}</td>
          </tr>
        ))}
      </PanelTable>
      <Form method="post" replace preventScrollReset data-testid="exchange-credentials-form">
        <input type="hidden" name="intent" value="exchange-credentials" />
        <div className="form-grid">
          <div>
            <label htmlFor="cred-name">
              Name
              <input
                id="cred-name"
                name="name"
                required
                defaultValue="main"
                pattern="[a-z0-9][a-z0-9_\-]{0,62}"
                aria-invalid={r?.fields['name'] ? true : undefined}
                aria-describedby={r?.fields['name'] ? 'cred-name-err' : undefined}
              />
            </label>
            {r?.fields['name'] ? (
              <p id="cred-name-err" className="field-error">
                {r.fields['name']}
              </p>
            ) : null}
          </div>
          <CredentialField name="apiKey" label="API key" r={r} />
          <CredentialField name="apiSecret" label="API secret" r={r} />
          <CredentialField name="passphrase" label="Passphrase" r={r} />
          <div>
            <label htmlFor="cred-keyVersion">
              Key version
              <select id="cred-keyVersion" name="keyVersion" defaultValue="3">
                <option value="3">3</option>
                <option value="2">2</option>
              </select>
            </label>
            {r?.fields['keyVersion'] ? <p className="field-error">{r.fields['keyVersion']}</p> : null}
          </div>
        </div>
        <SubmitButton intent="exchange-credentials" label="Store credentials" />
        <Outcome r={r} testId="exchange-credentials-result" />
      </Form>
    </section>
  );
}

function Audit() {
  const d = useLoaderData<typeof loader>();
  const { format } = useTime();
  const r = useResult('audit-verify');
  return (
    <section className="card" aria-labelledby="audit-title" data-testid="audit-panel">
      <h2 id="audit-title">Audit log</h2>
      <p className="muted small">
        Every settings change, kill switch and breaker reset is appended to a hash-chained log; verifying
        recomputes the chain.
      </p>
      <Form method="post" replace preventScrollReset>
        <input type="hidden" name="intent" value="audit-verify" />
        <SubmitButton intent="audit-verify" label="Verify the audit log" />
      </Form>
      <Outcome r={r} testId="audit-result" />
      <h3>Newest {AUDIT_PAGE} entries</h3>
      <PanelTable
        columns={['#', 'Time', 'Actor', 'Action', 'Entity', 'Data']}
        empty={d.audit.length ? null : 'No audit entry yet.'}
      >
        {d.audit.map((e) => (
          <tr key={e.seq} data-testid="audit-entry">
            <td className="num">{e.seq}</td>
            <td>{format(e.at)}</td>
            <td>{e.actor}</td>
            <td className="mono">{e.action}</td>
            <td>
              {e.entity}
              {e.entityId ? <span className="muted small"> {e.entityId}</span> : null}
            </td>
            <td className="mono small">{JSON.stringify(e.data)}</td>
          </tr>
        ))}
      </PanelTable>
    </section>
  );
}
