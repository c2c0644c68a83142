CREATE TABLE "commands" (
	"id" uuid PRIMARY KEY NOT NULL,
	"issued_by" text NOT NULL,
	"idempotency_key" text NOT NULL,
	"type" text NOT NULL,
	"command" jsonb NOT NULL,
	"fingerprint" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"reason" text,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "commands_issuer_key_unique" UNIQUE("issued_by","idempotency_key"),
	CONSTRAINT "commands_status_check" CHECK (status in ('pending', 'running', 'done', 'failed', 'rejected'))
);
--> statement-breakpoint
CREATE TABLE "engine_leases" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"fence" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"renewed_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "circuit_breakers" DROP CONSTRAINT "circuit_breakers_state_check";--> statement-breakpoint
ALTER TABLE "orders" DROP CONSTRAINT "orders_size_check";--> statement-breakpoint
ALTER TABLE "signals" DROP CONSTRAINT "signals_status_check";--> statement-breakpoint
DROP INDEX "orders_one_live_entry_per_intent";--> statement-breakpoint
UPDATE "circuit_breakers" SET "state" = CASE "state" WHEN 'open' THEN 'halted' WHEN 'half_open' THEN 'reduce_only' ELSE 'active' END;--> statement-breakpoint
UPDATE "orders" SET "status" = CASE "status" WHEN 'new' THEN 'intent' WHEN 'submitted' THEN 'submitting' WHEN 'cancelling' THEN 'open' WHEN 'cancelled' THEN 'canceled' ELSE "status" END;--> statement-breakpoint
ALTER TABLE "circuit_breakers" ALTER COLUMN "state" SET DEFAULT 'active';--> statement-breakpoint
ALTER TABLE "orders" ALTER COLUMN "status" SET DEFAULT 'intent';--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "signal_id" uuid;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "command_id" uuid;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "stop_price_type" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "leverage" numeric;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "margin_mode" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "fence" bigint;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "submitted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "done_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "fees" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "funding" numeric DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "max_qty" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "signal_id" uuid;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "stop_price" numeric;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "stop_client_oid" text;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "stop_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "unprotected_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "stop_distance" numeric;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "best_price" numeric;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "take_profits" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "positions" ADD COLUMN "funding_checked_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "commands_created_idx" ON "commands" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "orders_signal_idx" ON "orders" USING btree ("signal_id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_one_live_entry_per_intent" ON "orders" USING btree ("intent_id") WHERE purpose = 'entry' and status in ('intent', 'submitting', 'open', 'partially_filled', 'unknown');--> statement-breakpoint
ALTER TABLE "circuit_breakers" ADD CONSTRAINT "circuit_breakers_state_check" CHECK (state in ('active', 'reduce_only', 'halted'));--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_status_check" CHECK (status in ('intent', 'submitting', 'open', 'partially_filled', 'filled', 'canceled', 'rejected', 'unknown'));--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_purpose_check" CHECK (purpose in ('entry', 'exit', 'stop', 'take_profit', 'flatten', 'manual'));--> statement-breakpoint
ALTER TABLE "orders" ADD CONSTRAINT "orders_size_check" CHECK (size > 0 and filled_size >= 0 and filled_size <= size);--> statement-breakpoint
ALTER TABLE "signals" ADD CONSTRAINT "signals_status_check" CHECK (status in ('received', 'rejected', 'duplicate', 'stale', 'invalid', 'scored', 'risk_blocked', 'ordered', 'filled', 'protected', 'closed', 'ignored', 'failed'));