CREATE TABLE "account_balances" (
	"account_id" uuid NOT NULL,
	"currency" text NOT NULL,
	"equity" numeric NOT NULL,
	"available" numeric NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "account_balances_account_id_currency_pk" PRIMARY KEY("account_id","currency")
);
--> statement-breakpoint
ALTER TABLE "account_balances" ADD CONSTRAINT "account_balances_account_id_exchange_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."exchange_accounts"("id") ON DELETE cascade ON UPDATE no action;