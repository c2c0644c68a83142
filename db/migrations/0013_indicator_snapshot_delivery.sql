ALTER TABLE "indicator_snapshots" ADD COLUMN "delivery_id" uuid;--> statement-breakpoint
CREATE UNIQUE INDEX "indicator_snapshots_delivery_idx" ON "indicator_snapshots" USING btree ("delivery_id");