-- People who talk to the bot. The primary key is the Telegram user id.
CREATE TABLE users (
    id           bigint PRIMARY KEY,
    username     text,
    first_name   text,
    language     text NOT NULL DEFAULT 'ru' CHECK (language IN ('ru', 'en')),
    referrer_id  bigint REFERENCES users (id),
    -- Operator switches such as {"blocked": true}; kept as one JSON object so adding one needs no migration.
    flags        jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(flags) = 'object'),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_no_self_referral CHECK (referrer_id IS NULL OR referrer_id <> id)
);

CREATE INDEX users_referrer_idx ON users (referrer_id) WHERE referrer_id IS NOT NULL;
