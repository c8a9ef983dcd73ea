CREATE TABLE "deferred_texts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "deferred_texts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"receipt_key" text NOT NULL,
	"from_phone" text NOT NULL,
	"params" jsonb NOT NULL,
	"answer" text NOT NULL,
	"received_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "deferred_texts_receipt_key" ON "deferred_texts" USING btree ("receipt_key");--> statement-breakpoint
CREATE INDEX "deferred_texts_from_idx" ON "deferred_texts" USING btree ("from_phone","id");--> statement-breakpoint
CREATE INDEX "incidents_first_contact_idx" ON "incidents" USING btree ("first_contact_at");