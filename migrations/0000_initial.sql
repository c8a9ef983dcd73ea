CREATE TABLE "api_tokens" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "api_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"scope" text NOT NULL,
	"token_hash" text NOT NULL,
	"last_used_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "calendar_tokens" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "calendar_tokens_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"engineer_id" bigint NOT NULL,
	"token_hash" text NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "call_sessions" (
	"call_sid" text PRIMARY KEY NOT NULL,
	"from_phone" text NOT NULL,
	"standby_phone" text NOT NULL,
	"state" jsonb NOT NULL,
	"events" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"first_contact_at" timestamp with time zone NOT NULL,
	"incident_id" bigint,
	"logged_at" timestamp with time zone,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "contacts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" bigint NOT NULL,
	"name" text NOT NULL,
	"phone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_phone_e164" CHECK (phone ~ '^\+[1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE TABLE "contacts_log" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "contacts_log_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"at" timestamp with time zone NOT NULL,
	"channel" text NOT NULL,
	"from_phone" text NOT NULL,
	"standby_phone" text NOT NULL,
	"customer_id" bigint,
	"integration_id" bigint,
	"severity" text,
	"reason" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "contracts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "contracts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" bigint NOT NULL,
	"name" text NOT NULL,
	"integrations_24x7" boolean NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone,
	"blocker_first_response_minutes" integer NOT NULL,
	"blocker_resolution_minutes" integer NOT NULL,
	"high_first_response_minutes" integer NOT NULL,
	"high_resolution_minutes" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contracts_window" CHECK ("contracts"."valid_until" is null or "contracts"."valid_until" > "contracts"."valid_from"),
	CONSTRAINT "contracts_sla_positive" CHECK ("contracts"."blocker_first_response_minutes" > 0 and "contracts"."blocker_resolution_minutes" > 0 and "contracts"."high_first_response_minutes" > 0 and "contracts"."high_resolution_minutes" > 0)
);
--> statement-breakpoint
CREATE TABLE "customers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "customers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"code" text NOT NULL,
	"name" text NOT NULL,
	"language" text NOT NULL,
	"time_zone" text NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "customers_code_digits" CHECK ("customers"."code" ~ '^[0-9]{3,8}$'),
	CONSTRAINT "customers_language" CHECK (language in ('es', 'en', 'pt')),
	CONSTRAINT "customers_name_present" CHECK (length(trim("customers"."name")) > 0)
);
--> statement-breakpoint
CREATE TABLE "engineers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "engineers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"phone" text NOT NULL,
	"language" text NOT NULL,
	"time_zone" text NOT NULL,
	"is_admin" boolean DEFAULT false NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "engineers_phone_e164" CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
	CONSTRAINT "engineers_language" CHECK (language in ('es', 'en', 'pt'))
);
--> statement-breakpoint
CREATE TABLE "escalation_levels" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "escalation_levels_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"policy_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"ack_timeout_seconds" integer NOT NULL,
	CONSTRAINT "escalation_levels_timeout" CHECK ("escalation_levels"."ack_timeout_seconds" between 30 and 86400)
);
--> statement-breakpoint
CREATE TABLE "escalation_policies" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "escalation_policies_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"repeat" integer DEFAULT 0 NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "escalation_policies_repeat" CHECK ("escalation_policies"."repeat" between 0 and 10)
);
--> statement-breakpoint
CREATE TABLE "escalation_targets" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "escalation_targets_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"level_id" bigint NOT NULL,
	"rotation_id" bigint,
	"engineer_id" bigint,
	CONSTRAINT "escalation_targets_one_kind" CHECK (("escalation_targets"."rotation_id" is null) <> ("escalation_targets"."engineer_id" is null))
);
--> statement-breakpoint
CREATE TABLE "handoff_notices" (
	"rotation_id" bigint NOT NULL,
	"shift_start" timestamp with time zone NOT NULL,
	"engineer_id" bigint NOT NULL,
	"sent_at" timestamp with time zone NOT NULL,
	CONSTRAINT "handoff_notices_rotation_id_shift_start_pk" PRIMARY KEY("rotation_id","shift_start")
);
--> statement-breakpoint
CREATE TABLE "incidents" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "incidents_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" bigint NOT NULL,
	"contract_id" bigint NOT NULL,
	"integration_id" bigint NOT NULL,
	"standby_number_id" bigint,
	"escalation_policy_id" bigint NOT NULL,
	"severity" text NOT NULL,
	"status" text DEFAULT 'triggered' NOT NULL,
	"channel" text NOT NULL,
	"reporter_phone" text,
	"description" text DEFAULT '' NOT NULL,
	"first_contact_at" timestamp with time zone NOT NULL,
	"acknowledged_at" timestamp with time zone,
	"acknowledged_by" bigint,
	"resolved_at" timestamp with time zone,
	"resolution" text,
	"evidence" text,
	"waiting_since" timestamp with time zone,
	"waiting_seconds" integer DEFAULT 0 NOT NULL,
	"escalation_level" integer DEFAULT 0 NOT NULL,
	"escalation_round" integer DEFAULT 0 NOT NULL,
	"escalation_next_at" timestamp with time zone,
	"escalation_exhausted_at" timestamp with time zone,
	"escalation_stopped_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "incidents_severity" CHECK ("incidents"."severity" in ('blocker', 'high')),
	CONSTRAINT "incidents_ack_pair" CHECK (("incidents"."acknowledged_at" is null) = ("incidents"."acknowledged_by" is null))
);
--> statement-breakpoint
CREATE TABLE "integrations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "integrations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_id" bigint NOT NULL,
	"name" text NOT NULL,
	"built_by" text NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "integrations_built_by" CHECK ("integrations"."built_by" in ('vendor', 'selfservice'))
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notifications_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"incident_id" bigint,
	"engineer_id" bigint,
	"kind" text NOT NULL,
	"channel" text NOT NULL,
	"to_phone" text NOT NULL,
	"from_phone" text NOT NULL,
	"body" text NOT NULL,
	"priority" integer NOT NULL,
	"level" integer,
	"round" integer,
	"dedupe_key" text NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"outcome_unknown" boolean DEFAULT false NOT NULL,
	"twilio_sid" text,
	"error" text,
	"not_before" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rotation_overrides" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rotation_overrides_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"rotation_id" bigint NOT NULL,
	"engineer_id" bigint NOT NULL,
	"replaces_engineer_id" bigint,
	"starts_at" timestamp with time zone NOT NULL,
	"ends_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rotation_overrides_window" CHECK ("rotation_overrides"."ends_at" > "rotation_overrides"."starts_at")
);
--> statement-breakpoint
CREATE TABLE "rotation_participants" (
	"rotation_version_id" bigint NOT NULL,
	"position" integer NOT NULL,
	"engineer_id" bigint NOT NULL,
	CONSTRAINT "rotation_participants_rotation_version_id_position_pk" PRIMARY KEY("rotation_version_id","position"),
	CONSTRAINT "rotation_participants_position" CHECK ("rotation_participants"."position" >= 0)
);
--> statement-breakpoint
CREATE TABLE "rotation_versions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rotation_versions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"rotation_id" bigint NOT NULL,
	"effective_from" timestamp with time zone NOT NULL,
	"time_zone" text NOT NULL,
	"shift_length" integer NOT NULL,
	"shift_unit" text NOT NULL,
	"handoff_time" text NOT NULL,
	"start_date" date NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "rotation_versions_length" CHECK ("rotation_versions"."shift_length" between 1 and 1000),
	CONSTRAINT "rotation_versions_unit" CHECK ("rotation_versions"."shift_unit" in ('hours', 'days', 'weeks')),
	CONSTRAINT "rotation_versions_handoff" CHECK ("rotation_versions"."handoff_time" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$')
);
--> statement-breakpoint
CREATE TABLE "rotations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "rotations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_conversations" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "sms_conversations_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"customer_phone" text NOT NULL,
	"standby_phone" text NOT NULL,
	"state" jsonb NOT NULL,
	"last_activity_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sms_opt_outs" (
	"phone" text NOT NULL,
	"standby_phone" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	CONSTRAINT "sms_opt_outs_phone_standby_phone_pk" PRIMARY KEY("phone","standby_phone")
);
--> statement-breakpoint
CREATE TABLE "standby_numbers" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "standby_numbers_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"phone" text NOT NULL,
	"label" text DEFAULT '' NOT NULL,
	"customer_id" bigint,
	"escalation_policy_id" bigint NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "standby_numbers_phone_e164" CHECK (phone ~ '^\+[1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE TABLE "timeline_entries" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "timeline_entries_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"incident_id" bigint NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"kind" text NOT NULL,
	"actor" text NOT NULL,
	"engineer_id" bigint,
	"channel" text NOT NULL,
	"body" text DEFAULT '' NOT NULL,
	"data" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_receipts" (
	"key" text PRIMARY KEY NOT NULL,
	"status_code" integer NOT NULL,
	"content_type" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "calendar_tokens" ADD CONSTRAINT "calendar_tokens_engineer_id_engineers_id_fk" FOREIGN KEY ("engineer_id") REFERENCES "public"."engineers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "call_sessions" ADD CONSTRAINT "call_sessions_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts" ADD CONSTRAINT "contacts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts_log" ADD CONSTRAINT "contacts_log_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contacts_log" ADD CONSTRAINT "contacts_log_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contracts" ADD CONSTRAINT "contracts_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_levels" ADD CONSTRAINT "escalation_levels_policy_id_escalation_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."escalation_policies"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_targets" ADD CONSTRAINT "escalation_targets_level_id_escalation_levels_id_fk" FOREIGN KEY ("level_id") REFERENCES "public"."escalation_levels"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_targets" ADD CONSTRAINT "escalation_targets_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalation_targets" ADD CONSTRAINT "escalation_targets_engineer_id_engineers_id_fk" FOREIGN KEY ("engineer_id") REFERENCES "public"."engineers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "handoff_notices" ADD CONSTRAINT "handoff_notices_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "handoff_notices" ADD CONSTRAINT "handoff_notices_engineer_id_engineers_id_fk" FOREIGN KEY ("engineer_id") REFERENCES "public"."engineers"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_contract_id_contracts_id_fk" FOREIGN KEY ("contract_id") REFERENCES "public"."contracts"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_integration_id_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."integrations"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_standby_number_id_standby_numbers_id_fk" FOREIGN KEY ("standby_number_id") REFERENCES "public"."standby_numbers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_escalation_policy_id_escalation_policies_id_fk" FOREIGN KEY ("escalation_policy_id") REFERENCES "public"."escalation_policies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "incidents" ADD CONSTRAINT "incidents_acknowledged_by_engineers_id_fk" FOREIGN KEY ("acknowledged_by") REFERENCES "public"."engineers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "integrations" ADD CONSTRAINT "integrations_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_engineer_id_engineers_id_fk" FOREIGN KEY ("engineer_id") REFERENCES "public"."engineers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_overrides" ADD CONSTRAINT "rotation_overrides_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_overrides" ADD CONSTRAINT "rotation_overrides_engineer_id_engineers_id_fk" FOREIGN KEY ("engineer_id") REFERENCES "public"."engineers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_overrides" ADD CONSTRAINT "rotation_overrides_replaces_engineer_id_engineers_id_fk" FOREIGN KEY ("replaces_engineer_id") REFERENCES "public"."engineers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_participants" ADD CONSTRAINT "rotation_participants_rotation_version_id_rotation_versions_id_fk" FOREIGN KEY ("rotation_version_id") REFERENCES "public"."rotation_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_participants" ADD CONSTRAINT "rotation_participants_engineer_id_engineers_id_fk" FOREIGN KEY ("engineer_id") REFERENCES "public"."engineers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_versions" ADD CONSTRAINT "rotation_versions_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "standby_numbers" ADD CONSTRAINT "standby_numbers_customer_id_customers_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."customers"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "standby_numbers" ADD CONSTRAINT "standby_numbers_escalation_policy_id_escalation_policies_id_fk" FOREIGN KEY ("escalation_policy_id") REFERENCES "public"."escalation_policies"("id") ON DELETE restrict ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timeline_entries" ADD CONSTRAINT "timeline_entries_incident_id_incidents_id_fk" FOREIGN KEY ("incident_id") REFERENCES "public"."incidents"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "timeline_entries" ADD CONSTRAINT "timeline_entries_engineer_id_engineers_id_fk" FOREIGN KEY ("engineer_id") REFERENCES "public"."engineers"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "api_tokens_hash_key" ON "api_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_tokens_hash_key" ON "calendar_tokens" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "contacts_phone_key" ON "contacts" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "contacts_customer_idx" ON "contacts" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "contacts_log_at_idx" ON "contacts_log" USING btree ("at","id");--> statement-breakpoint
CREATE INDEX "contacts_log_customer_idx" ON "contacts_log" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "contracts_customer_idx" ON "contracts" USING btree ("customer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "customers_code_key" ON "customers" USING btree ("code");--> statement-breakpoint
CREATE UNIQUE INDEX "engineers_phone_key" ON "engineers" USING btree ("phone");--> statement-breakpoint
CREATE UNIQUE INDEX "escalation_levels_position_key" ON "escalation_levels" USING btree ("policy_id","position");--> statement-breakpoint
CREATE UNIQUE INDEX "escalation_policies_name_key" ON "escalation_policies" USING btree ("name") WHERE "escalation_policies"."archived_at" is null;--> statement-breakpoint
CREATE INDEX "escalation_targets_level_idx" ON "escalation_targets" USING btree ("level_id");--> statement-breakpoint
CREATE INDEX "escalation_targets_engineer_idx" ON "escalation_targets" USING btree ("engineer_id");--> statement-breakpoint
CREATE INDEX "escalation_targets_rotation_idx" ON "escalation_targets" USING btree ("rotation_id");--> statement-breakpoint
CREATE UNIQUE INDEX "incidents_one_open_per_integration" ON "incidents" USING btree ("customer_id","integration_id") WHERE "incidents"."status" in ('triggered', 'acknowledged', 'waiting_on_customer');--> statement-breakpoint
CREATE INDEX "incidents_escalation_due_idx" ON "incidents" USING btree ("escalation_next_at") WHERE "incidents"."escalation_next_at" is not null;--> statement-breakpoint
CREATE INDEX "incidents_status_idx" ON "incidents" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "incidents_customer_idx" ON "incidents" USING btree ("customer_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "integrations_customer_name_key" ON "integrations" USING btree ("customer_id",lower("name")) WHERE "integrations"."archived_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_dedupe_key" ON "notifications" USING btree ("dedupe_key");--> statement-breakpoint
CREATE UNIQUE INDEX "notifications_twilio_sid_key" ON "notifications" USING btree ("twilio_sid");--> statement-breakpoint
CREATE INDEX "notifications_pending_idx" ON "notifications" USING btree ("status","not_before") WHERE "notifications"."status" in ('pending', 'sending');--> statement-breakpoint
CREATE INDEX "notifications_incident_idx" ON "notifications" USING btree ("incident_id");--> statement-breakpoint
CREATE INDEX "rotation_overrides_window_idx" ON "rotation_overrides" USING btree ("rotation_id","starts_at","ends_at");--> statement-breakpoint
CREATE INDEX "rotation_participants_engineer_idx" ON "rotation_participants" USING btree ("engineer_id");--> statement-breakpoint
CREATE UNIQUE INDEX "rotation_versions_effective_key" ON "rotation_versions" USING btree ("rotation_id","effective_from");--> statement-breakpoint
CREATE UNIQUE INDEX "rotations_name_key" ON "rotations" USING btree ("name") WHERE "rotations"."archived_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "sms_conversations_key" ON "sms_conversations" USING btree ("customer_phone","standby_phone");--> statement-breakpoint
CREATE UNIQUE INDEX "standby_numbers_phone_key" ON "standby_numbers" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "timeline_incident_idx" ON "timeline_entries" USING btree ("incident_id","id");