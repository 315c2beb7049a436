-- What a person may do and has chosen, and what operators did.

ALTER TABLE users
    -- an operator blocked this person: one polite line, nothing runs for them
    ADD COLUMN blocked_at        timestamptz,
    -- free generations an operator (or a promo code) granted, usable on any model up to a price cap
    ADD COLUMN gift_runs         integer NOT NULL DEFAULT 0 CHECK (gift_runs >= 0),
    -- a token bucket of taps and messages (refilled by time, one token per update)
    ADD COLUMN rate_tokens       real NOT NULL DEFAULT 20,
    ADD COLUMN rate_at           timestamptz NOT NULL DEFAULT now(),
    -- the last "slow down" answer, so a flood gets one answer a minute, not one per update
    ADD COLUMN rate_warned_at    timestamptz,
    -- /settings: a language picked by hand is kept over Telegram's; a daily spending cap; quiet notices
    ADD COLUMN language_chosen   boolean NOT NULL DEFAULT false,
    ADD COLUMN daily_cap_kopecks bigint CHECK (daily_cap_kopecks IS NULL OR daily_cap_kopecks > 0),
    ADD COLUMN quiet_results     boolean NOT NULL DEFAULT false;

CREATE INDEX users_username_idx ON users (lower(username)) WHERE username IS NOT NULL;

-- A generation may be paid from the wallet, a free daily slot, or a granted free run.
ALTER TABLE jobs DROP CONSTRAINT jobs_payment_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_payment_check CHECK (payment IN ('wallet', 'free', 'gift'));
-- which granted run a gift job took, so it is used and returned exactly once
CREATE TABLE gift_uses (
    job_id     bigint PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    status     text NOT NULL CHECK (status IN ('reserved', 'consumed', 'returned')),
    created_at timestamptz NOT NULL DEFAULT now(),
    settled_at timestamptz
);
-- grants are idempotent by ref (an operator's action, a promo redemption)
CREATE TABLE gift_grants (
    ref        text PRIMARY KEY CHECK (length(ref) BETWEEN 1 AND 200),
    user_id    bigint NOT NULL REFERENCES users (id),
    runs       integer NOT NULL CHECK (runs > 0),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX jobs_user_open_idx ON jobs (user_id) WHERE status IN ('created', 'submitted');

-- Every operator action: who, what, on what, before and after. Never rewritten.
CREATE TABLE audit_log (
    id         bigserial PRIMARY KEY,
    admin_id   bigint NOT NULL,
    action     text NOT NULL CHECK (length(action) BETWEEN 1 AND 100),
    target     text,
    before     jsonb,
    after      jsonb,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_log_recent_idx ON audit_log (id DESC);

CREATE FUNCTION audit_log_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only (% on entry %)', TG_OP, OLD.id;
END;
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_is_append_only();

-- Operators' live changes over the catalog (kie/catalog.json): hide a model, change its price or its
-- free runs, without a deploy. Read by the worker with a short cache.
CREATE TABLE model_overrides (
    model_id            text PRIMARY KEY,
    hidden              boolean NOT NULL DEFAULT false,
    hidden_reason       text,
    markup              numeric(6, 3) CHECK (markup IS NULL OR markup >= 1),
    fixed_price_kopecks bigint CHECK (fixed_price_kopecks IS NULL OR fixed_price_kopecks > 0),
    free_per_day        integer CHECK (free_per_day IS NULL OR free_per_day BETWEEN 0 AND 100),
    updated_by          bigint,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
