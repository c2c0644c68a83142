CREATE TABLE "outbox" (
	"id" uuid PRIMARY KEY NOT NULL,
	"stream" text NOT NULL,
	"payload" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"lease_until" timestamp with time zone NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text
);
--> statement-breakpoint
CREATE INDEX "outbox_lease_until_idx" ON "outbox" USING btree ("lease_until");