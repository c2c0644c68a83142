ALTER TABLE "closed_trades" ADD COLUMN "exchange_pnl" numeric;--> statement-breakpoint
ALTER TABLE "closed_trades" ADD COLUMN "exchange_fees" numeric;--> statement-breakpoint
ALTER TABLE "closed_trades" ADD COLUMN "exchange_funding" numeric;--> statement-breakpoint
ALTER TABLE "closed_trades" ADD COLUMN "exchange_close_id" text;