CREATE TABLE "api_keys" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid,
	"name" text NOT NULL,
	"prefix" text NOT NULL,
	"key_hash" text NOT NULL,
	"role" text DEFAULT 'viewer' NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_keys_prefix_unique" UNIQUE("prefix"),
	CONSTRAINT "api_keys_key_hash_unique" UNIQUE("key_hash"),
	CONSTRAINT "api_keys_role_check" CHECK (role in ('viewer', 'trader', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "audit_head" (
	"id" smallint PRIMARY KEY DEFAULT 1 NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "audit_head_single_row" CHECK (id = 1)
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"entity" text NOT NULL,
	"entity_id" text,
	"data" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "candles" (
	"symbol" text NOT NULL,
	"timeframe" text NOT NULL,
	"open_time" timestamp with time zone NOT NULL,
	"open" numeric NOT NULL,
	"high" numeric NOT NULL,
	"low" numeric NOT NULL,
	"close" numeric NOT NULL,
	"volume" numeric NOT NULL,
	"turnover" numeric,
	"trades" integer,
	"source" text DEFAULT 'kucoin' NOT NULL,
	CONSTRAINT "candles_pkey" PRIMARY KEY("symbol","timeframe","open_time")
);
--> statement-breakpoint
CREATE TABLE "circuit_breakers" (
	"scope" text PRIMARY KEY NOT NULL,
	"state" text DEFAULT 'closed' NOT NULL,
	"reason" text,
	"tripped_at" timestamp with time zone,
	"resume_at" timestamp with time zone,
	"updated_by" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "circuit_breakers_state_check" CHECK (state in ('closed', 'open', 'half_open'))
);
--> statement-breakpoint
CREATE TABLE "closed_trades" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid,
	"position_id" uuid,
	"signal_id" uuid,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"size" integer NOT NULL,
	"entry_price" numeric NOT NULL,
	"exit_price" numeric NOT NULL,
	"gross_pnl" numeric NOT NULL,
	"fees" numeric DEFAULT '0' NOT NULL,
	"funding" numeric DEFAULT '0' NOT NULL,
	"net_pnl" numeric NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone NOT NULL,
	"exit_reason" text,
	CONSTRAINT "closed_trades_side_check" CHECK (side in ('long', 'short'))
);
--> statement-breakpoint
CREATE TABLE "exchange_accounts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"exchange" text DEFAULT 'kucoin-futures' NOT NULL,
	"mode" text DEFAULT 'paper' NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "exchange_accounts_name_unique" UNIQUE("name"),
	CONSTRAINT "exchange_accounts_mode_check" CHECK (mode in ('live', 'paper', 'sim'))
);
--> statement-breakpoint
CREATE TABLE "exchange_credentials" (
	"id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid,
	"name" text NOT NULL,
	"key_version" integer NOT NULL,
	"master_key_id" text NOT NULL,
	"data_key" text NOT NULL,
	"api_key_ct" text NOT NULL,
	"api_secret_ct" text NOT NULL,
	"passphrase_ct" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "exchange_credentials_name_unique" UNIQUE("name")
);
--> statement-breakpoint
CREATE TABLE "fills" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid,
	"account_id" uuid,
	"trade_id" text NOT NULL,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"price" numeric NOT NULL,
	"size" integer NOT NULL,
	"fee" numeric DEFAULT '0' NOT NULL,
	"fee_currency" text,
	"liquidity" text,
	"filled_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "fills_account_trade_unique" UNIQUE NULLS NOT DISTINCT("account_id","trade_id"),
	CONSTRAINT "fills_side_check" CHECK (side in ('buy', 'sell')),
	CONSTRAINT "fills_size_check" CHECK (size > 0)
);
--> statement-breakpoint
CREATE TABLE "funding_payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid,
	"symbol" text NOT NULL,
	"funding_rate" numeric NOT NULL,
	"amount" numeric NOT NULL,
	"currency" text NOT NULL,
	"position_qty" integer,
	"mark_price" numeric,
	"funding_time" timestamp with time zone NOT NULL,
	"exchange_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "funding_payments_account_symbol_time_unique" UNIQUE NULLS NOT DISTINCT("account_id","symbol","funding_time")
);
--> statement-breakpoint
CREATE TABLE "indicator_snapshots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"signal_id" uuid,
	"symbol" text NOT NULL,
	"timeframe" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"values" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "model_scores" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"signal_id" uuid,
	"model_name" text NOT NULL,
	"model_version" text NOT NULL,
	"score" numeric NOT NULL,
	"decision" text,
	"features" jsonb,
	"latency_micros" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "order_intents" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"signal_id" uuid,
	"account_id" uuid,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"size" integer NOT NULL,
	"style" text DEFAULT 'market' NOT NULL,
	"limit_price" numeric,
	"stop_price" numeric,
	"take_profit_price" numeric,
	"leverage" numeric,
	"reduce_only" boolean DEFAULT false NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"params" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "order_intents_signal_unique" UNIQUE("signal_id"),
	CONSTRAINT "order_intents_side_check" CHECK (side in ('buy', 'sell')),
	CONSTRAINT "order_intents_size_check" CHECK (size > 0)
);
--> statement-breakpoint
CREATE TABLE "orders" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"intent_id" uuid,
	"account_id" uuid,
	"client_oid" text NOT NULL,
	"exchange_order_id" text,
	"symbol" text NOT NULL,
	"side" text NOT NULL,
	"purpose" text DEFAULT 'entry' NOT NULL,
	"type" text NOT NULL,
	"price" numeric,
	"stop_price" numeric,
	"size" integer NOT NULL,
	"filled_size" integer DEFAULT 0 NOT NULL,
	"avg_fill_price" numeric,
	"reduce_only" boolean DEFAULT false NOT NULL,
	"time_in_force" text,
	"status" text DEFAULT 'new' NOT NULL,
	"reason" text,
	"raw" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "orders_client_oid_unique" UNIQUE("client_oid"),
	CONSTRAINT "orders_exchange_order_id_unique" UNIQUE("exchange_order_id"),
	CONSTRAINT "orders_side_check" CHECK (side in ('buy', 'sell')),
	CONSTRAINT "orders_size_check" CHECK (size > 0 and filled_size >= 0)
);
--> statement-breakpoint
CREATE TABLE "position_snapshots" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"position_id" uuid,
	"account_id" uuid,
	"symbol" text NOT NULL,
	"qty" integer NOT NULL,
	"avg_entry_price" numeric,
	"mark_price" numeric,
	"unrealised_pnl" numeric,
	"realised_pnl" numeric,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "positions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid,
	"symbol" text NOT NULL,
	"qty" integer DEFAULT 0 NOT NULL,
	"avg_entry_price" numeric,
	"mark_price" numeric,
	"liquidation_price" numeric,
	"leverage" numeric,
	"margin_mode" text,
	"unrealised_pnl" numeric DEFAULT '0' NOT NULL,
	"realised_pnl" numeric DEFAULT '0' NOT NULL,
	"stop_order_id" text,
	"stop_confirmed_at" timestamp with time zone,
	"opened_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "positions_account_symbol_unique" UNIQUE NULLS NOT DISTINCT("account_id","symbol")
);
--> statement-breakpoint
CREATE TABLE "risk_events" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"account_id" uuid,
	"signal_id" uuid,
	"intent_id" uuid,
	"code" text NOT NULL,
	"severity" text NOT NULL,
	"message" text,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "risk_events_severity_check" CHECK (severity in ('info', 'warn', 'block', 'critical'))
);
--> statement-breakpoint
CREATE TABLE "settings" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "signals" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"source_id" uuid,
	"source" text NOT NULL,
	"idempotency_key" text,
	"status" text NOT NULL,
	"reason" text,
	"symbol" text,
	"raw_symbol" text,
	"action" text,
	"interval" text,
	"alert_time" timestamp with time zone,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"client_ip" text,
	"payload" jsonb,
	"price" numeric,
	"contracts" numeric,
	"size" numeric,
	"duplicate_of" uuid,
	"score" numeric,
	"metadata" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "signals_idempotency_key_unique" UNIQUE("idempotency_key"),
	CONSTRAINT "signals_status_check" CHECK (status in ('received', 'rejected', 'duplicate', 'stale', 'invalid', 'scored', 'risk_blocked', 'ordered', 'filled', 'protected', 'failed')),
	CONSTRAINT "signals_action_check" CHECK (action is null or action in ('buy', 'sell', 'long', 'short', 'close', 'reverse'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"display_name" text,
	"role" text DEFAULT 'viewer' NOT NULL,
	"password_hash" text NOT NULL,
	"disabled" boolean DEFAULT false NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email"),
	CONSTRAINT "users_role_check" CHECK (role in ('viewer', 'trader', 'admin'))
);
--> statement-breakpoint
CREATE TABLE "webhook_source_secrets" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source_id" uuid NOT NULL,
	"master_key_id" text,
	"data_key" text,
	"secret_ct" text,
	"secret_hash" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	CONSTRAINT "webhook_source_secrets_material_check" CHECK ((secret_ct is not null and data_key is not null and master_key_id is not null) or secret_hash is not null)
);
--> statement-breakpoint
CREATE TABLE "webhook_sources" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"ip_allowlist" text[] DEFAULT '{}'::text[] NOT NULL,
	"hmac_required" boolean DEFAULT false NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"rate_limit_per_min" integer DEFAULT 60 NOT NULL,
	"stale_after_seconds" integer DEFAULT 60 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_sources_name_unique" UNIQUE("name"),
	CONSTRAINT "webhook_sources_kind_check" CHECK (kind in ('tradingview', 'custom', 'api')),
	CONSTRAINT "webhook_sources_rate_limit_check" CHECK (rate_limit_per_min > 0),
	CONSTRAINT "webhook_sources_stale_check" CHECK (stale_after_seconds > 0)
);
--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "closed_trades" ADD CONSTRAINT "closed_trades_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "closed_trades" ADD CONSTRAINT "closed_trades_position_id_positions_id_fk" FOREIGN KEY ("position_id") REFERENCES "public"."positions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "closed_trades" ADD CONSTRAINT "closed_trades_signal_id_signals_id_fk" FOREIGN KEY ("signal_id") REFERENCES "public"."signals"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exchange_credentials" ADD CONSTRAINT "exchange_credentials_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fills" ADD CONSTRAINT "fills_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "public"."orders"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "fills" ADD CONSTRAINT "fills_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "funding_payments" ADD CONSTRAINT "funding_payments_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "indicator_snapshots" ADD CONSTRAINT "indicator_snapshots_signal_id_signals_id_fk" FOREIGN KEY ("signal_id") REFERENCES "public"."signals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "model_scores" ADD CONSTRAINT "model_scores_signal_id_signals_id_fk" FOREIGN KEY ("signal_id") REFERENCES "public"."signals"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_intents" ADD CONSTRAINT "order_intents_signal_id_signals_id_fk" FOREIGN KEY ("signal_id") REFERENCES "public"."signals"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "order_intents" ADD CONSTRAINT "order_intents_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_intent_id_order_intents_id_fk" FOREIGN KEY ("intent_id") REFERENCES "public"."order_intents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "position_snapshots" ADD CONSTRAINT "position_snapshots_position_id_positions_id_fk" FOREIGN KEY ("position_id") REFERENCES "public"."positions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "position_snapshots" ADD CONSTRAINT "position_snapshots_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "positions" ADD CONSTRAINT "positions_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_events" ADD CONSTRAINT "risk_events_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_events" ADD CONSTRAINT "risk_events_signal_id_signals_id_fk" FOREIGN KEY ("signal_id") REFERENCES "public"."signals"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "risk_events" ADD CONSTRAINT "risk_events_intent_id_order_intents_id_fk" FOREIGN KEY ("intent_id") REFERENCES "public"."order_intents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_source_id_webhook_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."webhook_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_duplicate_of_signals_id_fk" FOREIGN KEY ("duplicate_of") REFERENCES "public"."signals"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_source_secrets" ADD CONSTRAINT "webhook_source_secrets_source_id_webhook_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."webhook_sources"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_keys_user_idx" ON "api_keys" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "closed_trades_closed_at_idx" ON "closed_trades" USING btree ("closed_at");--> statement-breakpoint
CREATE INDEX "closed_trades_symbol_idx" ON "closed_trades" USING btree ("symbol","closed_at");--> statement-breakpoint
CREATE INDEX "exchange_credentials_account_idx" ON "exchange_credentials" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "fills_order_idx" ON "fills" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "fills_symbol_time_idx" ON "fills" USING btree ("symbol","filled_at");--> statement-breakpoint
CREATE INDEX "indicator_snapshots_signal_idx" ON "indicator_snapshots" USING btree ("signal_id");--> statement-breakpoint
CREATE INDEX "indicator_snapshots_symbol_at_idx" ON "indicator_snapshots" USING btree ("symbol","timeframe","at");--> statement-breakpoint
CREATE INDEX "model_scores_signal_idx" ON "model_scores" USING btree ("signal_id");--> statement-breakpoint
CREATE INDEX "model_scores_model_idx" ON "model_scores" USING btree ("model_name","model_version");--> statement-breakpoint
CREATE INDEX "order_intents_status_idx" ON "order_intents" USING btree ("status");--> statement-breakpoint
CREATE INDEX "orders_intent_idx" ON "orders" USING btree ("intent_id");--> statement-breakpoint
CREATE INDEX "orders_symbol_status_idx" ON "orders" USING btree ("symbol","status");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_one_live_entry_per_intent" ON "orders" USING btree ("intent_id") WHERE purpose = 'entry' and status in ('new', 'submitted', 'open', 'partially_filled', 'cancelling');--> statement-breakpoint
CREATE INDEX "position_snapshots_symbol_at_idx" ON "position_snapshots" USING btree ("account_id","symbol","at");--> statement-breakpoint
CREATE INDEX "risk_events_at_idx" ON "risk_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "risk_events_code_idx" ON "risk_events" USING btree ("code","at");--> statement-breakpoint
CREATE INDEX "signals_received_at_idx" ON "signals" USING btree ("received_at" DESC NULLS LAST,"id" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "signals_status_received_idx" ON "signals" USING btree ("status","received_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "signals_symbol_received_idx" ON "signals" USING btree ("symbol","received_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "webhook_source_secrets_source_idx" ON "webhook_source_secrets" USING btree ("source_id");