-- Generations. created -> submitted -> succeeded | failed | canceled; a finished job never changes status.
CREATE TABLE jobs (
    id                  bigserial PRIMARY KEY,
    user_id             bigint NOT NULL REFERENCES users (id),
    chat_id             bigint NOT NULL,
    draft_id            text NOT NULL,  -- the confirmation screen: a double tap on "Запустить" finds this job
    model_id            text NOT NULL,
    prompt              text,
    options             jsonb NOT NULL DEFAULT '{}'::jsonb,
    image_urls          jsonb NOT NULL DEFAULT '[]'::jsonb,
    inputs              jsonb NOT NULL,  -- the createTask input exactly as sent
    price               bigint NOT NULL CHECK (price >= 0),  -- kopecks, fixed when the user confirmed
    payment             text NOT NULL CHECK (payment IN ('wallet', 'free')),
    status              text NOT NULL DEFAULT 'created'
                        CHECK (status IN ('created', 'submitted', 'succeeded', 'failed', 'canceled')),
    task_id             text UNIQUE,
    result_urls         jsonb,
    late_result         boolean NOT NULL DEFAULT false,  -- arrived after the job had timed out: delivered free
    fail_code           text,
    fail_reason         text,
    language            text NOT NULL DEFAULT 'ru',
    cid                 text,
    status_message_id   bigint,
    submit_attempts     integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    submitted_at        timestamptz,
    checked_at          timestamptz,  -- the last time cron asked recordInfo
    finished_at         timestamptz,
    deliver_enqueued_at timestamptz,
    delivered_at        timestamptz,
    late_delivered_at   timestamptz,  -- a late result is a second delivery
    CONSTRAINT jobs_one_per_draft UNIQUE (user_id, draft_id),
    CONSTRAINT jobs_free_costs_nothing CHECK (payment = 'wallet' OR price = 0)
);

CREATE INDEX jobs_user_recent_idx ON jobs (user_id, id DESC);
CREATE INDEX jobs_open_idx ON jobs (status, created_at) WHERE status IN ('created', 'submitted');
CREATE INDEX jobs_undelivered_idx ON jobs (finished_at)
    WHERE finished_at IS NOT NULL AND (delivered_at IS NULL OR (late_result AND late_delivered_at IS NULL));

-- The state machine, enforced where no code path can skip it.
CREATE FUNCTION jobs_guard_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('succeeded', 'failed', 'canceled') THEN
        IF NEW.status <> OLD.status OR NEW.price <> OLD.price OR NEW.payment <> OLD.payment
           OR NEW.user_id <> OLD.user_id OR NEW.model_id <> OLD.model_id
           OR NEW.fail_code IS DISTINCT FROM OLD.fail_code
           OR (OLD.result_urls IS NOT NULL AND NEW.result_urls IS DISTINCT FROM OLD.result_urls) THEN
            RAISE EXCEPTION 'job % is % and cannot change', OLD.id, OLD.status;
        END IF;
    ELSIF NEW.status <> OLD.status AND NOT (
           (OLD.status = 'created' AND NEW.status IN ('submitted', 'succeeded', 'failed', 'canceled'))
        OR (OLD.status = 'submitted' AND NEW.status IN ('succeeded', 'failed', 'canceled'))) THEN
        RAISE EXCEPTION 'job % cannot go from % to %', OLD.id, OLD.status, NEW.status;
    END IF;
    IF (OLD.delivered_at IS NOT NULL AND NEW.delivered_at IS DISTINCT FROM OLD.delivered_at)
       OR (OLD.late_delivered_at IS NOT NULL AND NEW.late_delivered_at IS DISTINCT FROM OLD.late_delivered_at) THEN
        RAISE EXCEPTION 'job % was already delivered', OLD.id;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER jobs_status_guard BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION jobs_guard_status();
