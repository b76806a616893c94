CREATE TABLE "review_items" (
	"id" text PRIMARY KEY NOT NULL,
	"review_id" text NOT NULL,
	"assignment_id" text NOT NULL,
	"principal_id" text NOT NULL,
	"role" text NOT NULL,
	"scope" text NOT NULL,
	"type" text NOT NULL,
	"assignment_starts_at" timestamp with time zone NOT NULL,
	"assignment_ends_at" timestamp with time zone,
	"reviewers" jsonb NOT NULL,
	"fallback" boolean NOT NULL,
	"recommendation" text,
	"recommendation_reason" text NOT NULL,
	"last_activation_at" timestamp with time zone,
	"activations" integer NOT NULL,
	"decision" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"reason" text,
	"applied" text,
	"applied_at" timestamp with time zone,
	CONSTRAINT "review_items_decision_check" CHECK ("review_items"."decision" in ('keep', 'remove'))
);
--> statement-breakpoint
CREATE TABLE "reviews" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"scope" text,
	"reviewers" jsonb NOT NULL,
	"settings" jsonb NOT NULL,
	"state" text NOT NULL,
	"created_by" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"ended_by" text,
	"applied_at" timestamp with time zone,
	"applied_by" text,
	"definition" text,
	"reminded_halfway_at" timestamp with time zone,
	"reminded_last_day_at" timestamp with time zone,
	CONSTRAINT "reviews_state_check" CHECK ("reviews"."state" in ('open', 'ended', 'applied'))
);
--> statement-breakpoint
ALTER TABLE "review_items" ADD CONSTRAINT "review_items_review_id_reviews_id_fk" FOREIGN KEY ("review_id") REFERENCES "public"."reviews"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "review_items_review_assignment_idx" ON "review_items" USING btree ("review_id","assignment_id");--> statement-breakpoint
CREATE INDEX "review_items_reviewers_idx" ON "review_items" USING gin ("reviewers");--> statement-breakpoint
CREATE INDEX "reviews_open_ends_at_idx" ON "reviews" USING btree ("ends_at") WHERE "reviews"."state" = 'open';--> statement-breakpoint
CREATE UNIQUE INDEX "reviews_definition_run_idx" ON "reviews" USING btree ("definition","starts_at") WHERE "reviews"."definition" is not null;