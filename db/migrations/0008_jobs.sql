CREATE TABLE "daily_reports" (
	"day" text PRIMARY KEY NOT NULL,
	"trades" integer NOT NULL,
	"wins" integer NOT NULL,
	"gross_pnl" numeric NOT NULL,
	"fees" numeric NOT NULL,
	"funding" numeric NOT NULL,
	"net_pnl" numeric NOT NULL,
	"funding_ledger" numeric NOT NULL,
	"fills" integer NOT NULL,
	"fill_fees" numeric NOT NULL,
	"generated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "job_schedules" (
	"queue" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"data" jsonb,
	"every_ms" bigint NOT NULL,
	"next_run_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "job_schedules_pkey" PRIMARY KEY("queue","key"),
	CONSTRAINT "job_schedules_every_check" CHECK (every_ms > 0)
);
--> statement-breakpoint
CREATE TABLE "jobs" (
	"queue" text NOT NULL,
	"job_id" text NOT NULL,
	"name" text NOT NULL,
	"data" jsonb,
	"state" text DEFAULT 'waiting' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"max_attempts" integer NOT NULL,
	"backoff_ms" integer NOT NULL,
	"run_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_by" text,
	"locked_until" timestamp with time zone,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "jobs_pkey" PRIMARY KEY("queue","job_id"),
	CONSTRAINT "jobs_state_check" CHECK (state in ('waiting', 'active', 'completed', 'failed')),
	CONSTRAINT "jobs_attempts_check" CHECK (max_attempts >= 1 and backoff_ms >= 0)
);
--> statement-breakpoint
CREATE INDEX "jobs_due_idx" ON "jobs" USING btree ("queue","state","run_at");--> statement-breakpoint
CREATE INDEX "jobs_finished_idx" ON "jobs" USING btree ("finished_at");