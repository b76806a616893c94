CREATE TABLE "rate_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"tat_ms" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "claimed_by" integer;--> statement-breakpoint
ALTER TABLE "dedupe_keys" ADD COLUMN "body" jsonb;--> statement-breakpoint
ALTER TABLE "dedupe_keys" ADD COLUMN "claimed_by" integer;--> statement-breakpoint
ALTER TABLE "dedupe_keys" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "dedupe_keys" ADD COLUMN "ran_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dedupe_keys" ADD COLUMN "done_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "dedupe_keys_owed_idx" ON "dedupe_keys" USING btree ("created_at") WHERE "dedupe_keys"."body" is not null and "dedupe_keys"."done_at" is null;