-- Telegram updates the worker has claimed or finished, so a redelivered update is handled once.
-- A row is 'processing' while a worker holds it (claimed_at is its lease) and 'done' after success.
CREATE TABLE processed_updates (
    update_id  bigint PRIMARY KEY,
    status     text NOT NULL CHECK (status IN ('processing', 'done')),
    attempts   integer NOT NULL DEFAULT 1 CHECK (attempts > 0),
    claimed_at timestamptz NOT NULL DEFAULT now(),
    done_at    timestamptz,
    CHECK ((status = 'done') = (done_at IS NOT NULL))
);

CREATE INDEX processed_updates_done_at_idx ON processed_updates (done_at);

-- aiogram FSM state and data, one row per storage key (bot, chat, user, thread, destiny).
CREATE TABLE fsm_storage (
    key              text PRIMARY KEY,
    state            text,
    state_expires_at timestamptz,
    data             jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
    data_expires_at  timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX fsm_storage_updated_at_idx ON fsm_storage (updated_at);

-- One row per cron run, for /diagnostics and for operators.
CREATE TABLE cron_runs (
    id           bigserial PRIMARY KEY,
    task         text NOT NULL,
    execution_id text,
    status       text NOT NULL CHECK (status IN ('running', 'ok', 'failed')),
    details      jsonb NOT NULL DEFAULT '{}'::jsonb,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);

CREATE INDEX cron_runs_started_at_idx ON cron_runs (started_at DESC);
