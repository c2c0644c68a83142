CREATE TABLE "alert_notices" (
	"id" uuid PRIMARY KEY NOT NULL,
	"source_id" uuid,
	"source" text NOT NULL,
	"kind" text NOT NULL,
	"symbol" text,
	"message" text NOT NULL,
	"severity" text NOT NULL,
	"payload" jsonb,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone,
	CONSTRAINT "alert_notices_severity_check" CHECK (severity in ('info', 'warning', 'critical'))
);
--> statement-breakpoint
ALTER TABLE "alert_notices" ADD CONSTRAINT "alert_notices_source_id_webhook_sources_id_fk" FOREIGN KEY ("source_id") REFERENCES "public"."webhook_sources"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alert_notices_received_idx" ON "alert_notices" USING btree ("received_at" DESC NULLS LAST);