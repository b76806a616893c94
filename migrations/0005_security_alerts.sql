CREATE TABLE "alerts" (
	"id" text PRIMARY KEY NOT NULL,
	"rule" text NOT NULL,
	"key" text NOT NULL,
	"severity" text NOT NULL,
	"state" text NOT NULL,
	"subject" jsonb NOT NULL,
	"facts" jsonb NOT NULL,
	"measure" integer NOT NULL,
	"since" timestamp with time zone,
	"opened_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"dismissed_at" timestamp with time zone,
	"dismissed_by" text,
	"dismiss_reason" text
);
--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_live_key_idx" ON "alerts" USING btree ("key") WHERE "alerts"."state" in ('open', 'dismissed');--> statement-breakpoint
CREATE INDEX "alerts_state_idx" ON "alerts" USING btree ("state","opened_at");