CREATE TABLE "mfa_failures" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"principal_id" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mfa_secrets" ADD COLUMN "locked_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "mfa_failures_principal_at_idx" ON "mfa_failures" USING btree ("principal_id","at");