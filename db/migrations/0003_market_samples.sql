CREATE TABLE "funding_rates" (
	"symbol" text NOT NULL,
	"kind" text NOT NULL,
	"funding_time" timestamp with time zone NOT NULL,
	"rate" numeric NOT NULL,
	"granularity_ms" integer,
	"source" text DEFAULT 'kucoin' NOT NULL,
	CONSTRAINT "funding_rates_pkey" PRIMARY KEY("symbol","kind","funding_time"),
	CONSTRAINT "funding_rates_kind_check" CHECK (kind in ('settled', 'predicted', 'current')),
	CONSTRAINT "funding_rates_granularity_check" CHECK (granularity_ms is null or granularity_ms > 0)
);
--> statement-breakpoint
CREATE TABLE "mark_price_samples" (
	"symbol" text NOT NULL,
	"ts" timestamp with time zone NOT NULL,
	"mark_price" numeric NOT NULL,
	"index_price" numeric,
	CONSTRAINT "mark_price_samples_pkey" PRIMARY KEY("symbol","ts")
);
--> statement-breakpoint
CREATE INDEX "mark_price_samples_ts_brin" ON "mark_price_samples" USING brin ("ts");