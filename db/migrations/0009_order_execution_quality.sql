ALTER TABLE "orders" ADD COLUMN "exec_style" text;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "decision_mid" numeric;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "est_cost_bps" numeric;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "slippage_bps" numeric;--> statement-breakpoint
ALTER TABLE "orders" ADD COLUMN "shortfall" numeric;