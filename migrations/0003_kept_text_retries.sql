ALTER TABLE "deferred_texts" ADD COLUMN "failures" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "deferred_texts" ADD COLUMN "retry_at" timestamp with time zone;