-- Money. Amounts are integer kopecks. A wallet's balance and held are what its ledger implies:
-- balance = sum(ledger.amount), held = sum(ledger.held_delta); available = balance - held.

ALTER TABLE users
    ADD COLUMN ref_code   text UNIQUE CHECK (ref_code ~ '^[A-Za-z0-9]{6,16}$'),
    ADD COLUMN started_at timestamptz;  -- the first /start was handled (referral and welcome bonus)

CREATE TABLE wallets (
    user_id    bigint PRIMARY KEY REFERENCES users (id),
    balance    bigint NOT NULL DEFAULT 0,
    held       bigint NOT NULL DEFAULT 0,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallets_money_is_consistent CHECK (balance >= held AND held >= 0)
);

CREATE TABLE ledger (
    id         bigserial PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES wallets (user_id),
    kind       text NOT NULL,
    amount     bigint NOT NULL,            -- change of the balance
    held_delta bigint NOT NULL DEFAULT 0,  -- change of the amount on hold
    ref        text NOT NULL CHECK (length(ref) BETWEEN 1 AND 200),
    job_id     bigint,
    payment_id text,
    meta       jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    -- A retried operation finds its first result here instead of happening twice.
    CONSTRAINT ledger_once_per_ref UNIQUE (kind, ref),
    CONSTRAINT ledger_entry_shape CHECK (
        (kind IN ('topup', 'bonus', 'refund') AND amount > 0 AND held_delta = 0)
        OR (kind = 'adjust' AND amount <> 0 AND held_delta = 0)
        OR (kind = 'hold' AND amount = 0 AND held_delta > 0)
        OR (kind = 'release' AND amount = 0 AND held_delta < 0)
        OR (kind = 'charge' AND amount < 0 AND held_delta = amount)
    )
);

CREATE INDEX ledger_user_recent_idx ON ledger (user_id, id DESC);

-- History is never rewritten: corrections are new entries.
CREATE FUNCTION ledger_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable (% on entry %)', TG_OP, OLD.id;
END;
$$;

CREATE TRIGGER ledger_append_only BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_is_append_only();

-- Free generations: how many a user took of a model on a given day (in FREE_DAY_TZ) ...
CREATE TABLE free_quota (
    user_id  bigint NOT NULL REFERENCES users (id),
    model_id text NOT NULL,
    day      date NOT NULL,
    used     integer NOT NULL CHECK (used >= 0),
    PRIMARY KEY (user_id, model_id, day)
);

-- ... and which job took each one, so reserve / consume / return are idempotent by job.
CREATE TABLE free_uses (
    job_id     bigint PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    model_id   text NOT NULL,
    day        date NOT NULL,
    status     text NOT NULL CHECK (status IN ('reserved', 'consumed', 'returned')),
    created_at timestamptz NOT NULL DEFAULT now(),
    settled_at timestamptz
);
