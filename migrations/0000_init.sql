CREATE TABLE "assignments" (
	"id" text PRIMARY KEY NOT NULL,
	"principal_id" text NOT NULL,
	"role" text NOT NULL,
	"scope" text NOT NULL,
	"type" text NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone,
	"request_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"end_reason" text,
	"warned_at" timestamp with time zone,
	CONSTRAINT "assignments_type_check" CHECK ("assignments"."type" in ('eligible', 'active')),
	CONSTRAINT "assignments_end_reason_check" CHECK ("assignments"."end_reason" in ('expired', 'deactivated', 'removed', 'revoked'))
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"subject" text NOT NULL,
	"details" jsonb NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "conversation_refs" (
	"platform" text NOT NULL,
	"key" text NOT NULL,
	"reference" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "conversation_refs_pk" PRIMARY KEY("platform","key")
);
--> statement-breakpoint
CREATE TABLE "message_refs" (
	"subject" text NOT NULL,
	"platform" text NOT NULL,
	"conversation" text NOT NULL,
	"message_id" text NOT NULL,
	"extra" jsonb,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "message_refs_pk" PRIMARY KEY("subject","platform","conversation")
);
--> statement-breakpoint
CREATE TABLE "mfa_secrets" (
	"principal_id" text PRIMARY KEY NOT NULL,
	"secret" text NOT NULL,
	"enrolled_at" timestamp with time zone NOT NULL,
	"last_step" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"payload" jsonb NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"dead_at" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "outbox_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "requests" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"principal_id" text NOT NULL,
	"role" text NOT NULL,
	"scope" text NOT NULL,
	"duration_ms" bigint NOT NULL,
	"reason" text,
	"ticket" text,
	"start_at" timestamp with time zone,
	"state" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"approval_deadline" timestamp with time zone,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"decision_reason" text,
	"assignment_id" text,
	"target_assignment_id" text,
	"assignment_type" text,
	"failure_reason" text,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "requests_kind_check" CHECK ("requests"."kind" in ('activate', 'extend', 'renew', 'assign')),
	CONSTRAINT "requests_state_check" CHECK ("requests"."state" in ('pending_approval', 'approved', 'scheduled', 'active', 'expired', 'deactivated', 'revoked', 'denied', 'canceled', 'timed_out', 'failed', 'completed')),
	CONSTRAINT "requests_assignment_type_check" CHECK ("requests"."assignment_type" in ('eligible', 'active'))
);
--> statement-breakpoint
CREATE TABLE "dedupe_keys" (
	"key" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL
);
--> statement-breakpoint
CREATE INDEX "assignments_principal_idx" ON "assignments" USING btree ("principal_id") WHERE "assignments"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "assignments_role_scope_idx" ON "assignments" USING btree ("role","scope") WHERE "assignments"."ended_at" is null;--> statement-breakpoint
CREATE INDEX "assignments_request_idx" ON "assignments" USING btree ("request_id");--> statement-breakpoint
CREATE INDEX "assignments_open_ends_at_idx" ON "assignments" USING btree ("ends_at") WHERE "assignments"."ended_at" is null and "assignments"."ends_at" is not null;--> statement-breakpoint
CREATE INDEX "audit_events_actor_idx" ON "audit_events" USING btree ("actor","seq");--> statement-breakpoint
CREATE INDEX "audit_events_subject_idx" ON "audit_events" USING btree ("subject" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "audit_events_at_idx" ON "audit_events" USING btree ("at");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("next_attempt_at") WHERE "outbox"."delivered_at" is null and "outbox"."dead_at" is null;--> statement-breakpoint
CREATE INDEX "requests_principal_idx" ON "requests" USING btree ("principal_id","created_at");--> statement-breakpoint
CREATE INDEX "requests_state_idx" ON "requests" USING btree ("state","created_at");--> statement-breakpoint
CREATE INDEX "requests_approval_deadline_idx" ON "requests" USING btree ("approval_deadline") WHERE "requests"."state" = 'pending_approval';--> statement-breakpoint
CREATE INDEX "requests_scheduled_start_idx" ON "requests" USING btree ("start_at") WHERE "requests"."state" = 'scheduled';--> statement-breakpoint
CREATE INDEX "dedupe_keys_created_at_idx" ON "dedupe_keys" USING btree ("created_at");