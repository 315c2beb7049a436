-- Submission and delivery as recovery points: each side effect outside the database (a KIE task, a
-- Telegram message) is preceded by a durable record of the intent, so a retry knows what may have
-- happened already.

ALTER TABLE jobs
    -- createTask may have reached KIE from this moment on: never call it again for this job (KIE has
    -- no idempotency key); a task that turns up (callback with our signed URL) is adopted instead.
    ADD COLUMN submit_started_at   timestamptz,
    -- an attempt ended without knowing whether KIE took it (a timeout after sending, a 5xx)
    ADD COLUMN submit_uncertain    boolean NOT NULL DEFAULT false,
    -- delivery: attempts so far, the lease of the one in progress, the messages already sent
    ADD COLUMN delivery_attempts   integer NOT NULL DEFAULT 0 CHECK (delivery_attempts >= 0),
    ADD COLUMN delivery_started_at timestamptz,
    ADD COLUMN delivered_parts     integer NOT NULL DEFAULT 0 CHECK (delivered_parts >= 0),
    -- a delivery that can never succeed (the chat is gone) or ran out of attempts: final
    ADD COLUMN delivery_failed_at  timestamptz,
    ADD COLUMN delivery_failure    text,
    -- what Telegram stored for the delivered result, [{"kind": "photo", "file_id": "..."}], so it can be
    -- sent again without downloading it
    ADD COLUMN result_files        jsonb;

-- Cron's recovery of launches that stopped between the payment and KIE.
CREATE INDEX jobs_created_unsent_idx ON jobs (created_at) WHERE status = 'created' AND submit_started_at IS NULL;

DROP INDEX jobs_undelivered_idx;
CREATE INDEX jobs_undelivered_idx ON jobs (finished_at)
    WHERE finished_at IS NOT NULL AND delivery_failed_at IS NULL
      AND (delivered_at IS NULL OR (late_result AND late_delivered_at IS NULL));
