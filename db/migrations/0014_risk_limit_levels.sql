CREATE TABLE "risk_limit_levels" (
	"account_id" uuid NOT NULL,
	"symbol" text NOT NULL,
	"level" integer,
	"maintain_margin" numeric,
	"max_notional" numeric,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "risk_limit_levels_account_id_symbol_pk" PRIMARY KEY("account_id","symbol")
);
--> statement-breakpoint
ALTER TABLE "risk_limit_levels" ADD CONSTRAINT "risk_limit_levels_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE cascade ON UPDATE no action;