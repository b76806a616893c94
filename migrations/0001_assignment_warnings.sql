ALTER TABLE "assignments" ADD COLUMN "warned_14d_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "assignments" ADD COLUMN "warned_1d_at" timestamp with time zone;