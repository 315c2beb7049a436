-- The operators' control room (/admin): promo codes, broadcasts, people the bot cannot reach, and the
-- model-health window of the auto-hide rule.

-- Promo codes: a rouble amount or free generations, a number of uses, at most once per person, an expiry.
CREATE TABLE promo_codes (
    id          bigserial PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9А-ЯЁ_-]{3,32}$'),  -- stored upper-case
    kopecks     bigint CHECK (kopecks IS NULL OR kopecks BETWEEN 100 AND 10000000),
    runs        integer CHECK (runs IS NULL OR runs BETWEEN 1 AND 100),
    total_uses  integer NOT NULL CHECK (total_uses BETWEEN 1 AND 1000000),
    used        integer NOT NULL DEFAULT 0,
    expires_at  timestamptz,
    disabled_at timestamptz,
    created_by  bigint NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT promo_codes_one_reward CHECK ((kopecks IS NULL) <> (runs IS NULL)),
    -- the last use can never be taken twice: the redemption's UPDATE … WHERE used < total_uses, and this
    CONSTRAINT promo_codes_used_within_total CHECK (used BETWEEN 0 AND total_uses)
);

-- One row per person and code: a person redeems a code once.
CREATE TABLE promo_redemptions (
    code_id    bigint NOT NULL REFERENCES promo_codes (id),
    user_id    bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (code_id, user_id)
);

-- Broadcasts: drafted by an operator, sent by the worker in slices (queue kind 'broadcast'), one FIFO group
-- per broadcast, at most 25 messages a second.
CREATE TABLE broadcasts (
    id                  bigserial PRIMARY KEY,
    created_by          bigint NOT NULL,
    admin_chat_id       bigint NOT NULL,            -- where the preview and the progress message go
    admin_language      text NOT NULL DEFAULT 'ru' CHECK (admin_language IN ('ru', 'en')),
    text                text NOT NULL CHECK (length(text) <= 20000),  -- HTML; empty only under a photo
    photo_file_id       text,
    audience            text CHECK (audience IN ('all', 'active30', 'paid', 'lang_ru', 'lang_en')),
    status              text NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'running', 'paused', 'canceled', 'done')),
    total               integer NOT NULL DEFAULT 0 CHECK (total >= 0),
    -- every start or resume begins a new run; a slice of an older run stops at its next recipient
    gen                 integer NOT NULL DEFAULT 0 CHECK (gen >= 0),
    slice_no            integer NOT NULL DEFAULT 0 CHECK (slice_no >= 0),
    progress_message_id bigint,
    resume_at           timestamptz,   -- Telegram's 429 retry_after: nothing is sent before this
    slice_ended_at      timestamptz,   -- the pace carries across slices: the next one waits a second
    heartbeat_at        timestamptz,   -- a slice is working; a running broadcast without one has stalled
    created_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz,
    CONSTRAINT broadcasts_started_has_audience CHECK (status = 'draft' OR audience IS NOT NULL),
    CONSTRAINT broadcasts_has_content CHECK (text <> '' OR photo_file_id IS NOT NULL)
);

-- One broadcast at a time: the pace limit is for the bot as a whole.
CREATE UNIQUE INDEX broadcasts_one_active ON broadcasts ((true)) WHERE status IN ('running', 'paused');
CREATE INDEX broadcasts_recent_idx ON broadcasts (id DESC);

-- Who gets a broadcast. A row is marked 'sending' (committed) before its message goes out, so a crash
-- never sends it twice: a 'sending' row a later slice finds is counted failed ('interrupted').
CREATE TABLE broadcast_recipients (
    broadcast_id bigint NOT NULL REFERENCES broadcasts (id),
    user_id      bigint NOT NULL,
    status       text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'failed')),
    error        text CHECK (length(error) <= 300),
    attempted_at timestamptz,
    finished_at  timestamptz,
    PRIMARY KEY (broadcast_id, user_id)
);

CREATE INDEX broadcast_recipients_pending_idx ON broadcast_recipients (broadcast_id, user_id)
    WHERE status = 'pending';

-- A recipient's outcome is final; 'sending' goes back to 'pending' only when Telegram said 429 (not sent).
CREATE FUNCTION broadcast_recipient_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status IN ('sent', 'blocked', 'failed') AND NEW IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'recipient % of broadcast % is already %', OLD.user_id, OLD.broadcast_id, OLD.status;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER broadcast_recipient_final BEFORE UPDATE ON broadcast_recipients
    FOR EACH ROW EXECUTE FUNCTION broadcast_recipient_is_final();

-- People Telegram would not let us reach (they blocked the bot, or the account is gone), as a broadcast
-- found out. Someone who wrote to the bot after marked_at is reachable again.
CREATE TABLE unreachable_users (
    user_id   bigint PRIMARY KEY REFERENCES users (id),
    reason    text NOT NULL CHECK (reason IN ('blocked', 'deactivated', 'not_found')),
    marked_at timestamptz NOT NULL DEFAULT now()
);

-- The auto-hide rule counts a model's jobs finished after this moment: an operator who shows a hidden model
-- again gives it a fresh window.
CREATE TABLE model_health_since (
    model_id   text PRIMARY KEY,
    since      timestamptz NOT NULL DEFAULT now(),
    updated_by bigint
);

-- A model's last finished jobs, for its success rate, median time and the auto-hide rule.
CREATE INDEX jobs_model_finished_idx ON jobs (model_id, finished_at DESC) WHERE status IN ('succeeded', 'failed');
