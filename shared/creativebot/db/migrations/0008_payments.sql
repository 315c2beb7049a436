-- Payments: every top-up attempt, whatever the route, from the moment it is offered to its end.
--
--   pending ──▶ paid ──▶ refunded        (Stars only: refundStarPayment, or Telegram refunding it itself)
--      │  └──▶ failed ──▶ refunded       (Stars only: a payment Telegram took that matched no invoice)
--      └─────▶ expired ──▶ paid          (money that arrived after all: an invoice paid in its last
--                                          seconds, an operator approving a transfer late)
--
-- A Stars or rouble invoice is pending from sendInvoice until its successful_payment; a manual transfer
-- from the moment its code is shown until an operator approves (paid) or rejects it (failed). Pending
-- ones older than 24 hours expire (cron), except a transfer whose screenshot waits for an operator.

CREATE TABLE payments (
    id                  bigserial PRIMARY KEY,
    user_id             bigint NOT NULL REFERENCES users (id),
    method              text NOT NULL CHECK (method IN ('stars', 'rub', 'manual')),
    state               text NOT NULL DEFAULT 'pending'
                        CHECK (state IN ('pending', 'paid', 'failed', 'expired', 'refunded')),
    -- the invoice's payment_ref (checkout.py), a transfer's short code, or one derived from the charge
    ref                 text NOT NULL UNIQUE CHECK (length(ref) BETWEEN 1 AND 200),
    currency            text NOT NULL CHECK (currency IN ('XTR', 'RUB')),
    units               bigint NOT NULL CHECK (units > 0),     -- what the payer pays: stars, or kopecks
    kopecks             bigint NOT NULL CHECK (kopecks >= 0),  -- what the wallet gets
    telegram_charge_id  text UNIQUE,
    provider_charge_id  text,
    -- the ledger entry (kind 'topup') that credited it: the ledger is keyed by the payment
    ledger_ref          text UNIQUE,
    order_info          jsonb,
    -- a manual transfer's screenshot (a photo or a file the payer sent)
    proof_file_id       text,
    proof_kind          text CHECK (proof_kind IN ('photo', 'document')),
    proof_at            timestamptz,
    reviewed_by         bigint,              -- the operator who approved or rejected a transfer
    reason              text CHECK (length(reason) <= 500),  -- why it failed, expired or was refunded
    -- a Stars refund: claimed first (money held), then finished once Telegram has refunded
    refund_requested_by bigint,
    refund_requested_at timestamptz,
    refund_debit        bigint CHECK (refund_debit >= 0),    -- what the refund takes from the wallet
    refunded_by         text CHECK (refunded_by IN ('bot', 'telegram')),
    written_off         bigint CHECK (written_off >= 0),     -- what the wallet no longer held
    expiry_notified_at  timestamptz,                          -- the payer was told it expired
    meta                jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(meta) = 'object'),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    paid_at             timestamptz,
    closed_at           timestamptz,   -- failed, expired or refunded
    CONSTRAINT payments_credit_is_positive CHECK (kopecks > 0 OR state IN ('failed', 'refunded')),
    CONSTRAINT payments_paid_is_credited CHECK (
        state NOT IN ('paid', 'refunded') OR ledger_ref IS NOT NULL OR kopecks = 0),
    CONSTRAINT payments_refund_is_whole CHECK (
        state <> 'refunded' OR (refund_debit IS NOT NULL AND written_off IS NOT NULL
                                AND refund_debit + written_off = kopecks AND refunded_by IS NOT NULL)),
    CONSTRAINT payments_currency_of_method CHECK (
        (method = 'stars' AND currency = 'XTR') OR (method IN ('rub', 'manual') AND currency = 'RUB'))
);

CREATE INDEX payments_user_recent_idx ON payments (user_id, id DESC);
CREATE INDEX payments_pending_idx ON payments (created_at) WHERE state = 'pending';
CREATE INDEX payments_unnotified_idx ON payments (id) WHERE state = 'expired' AND expiry_notified_at IS NULL;

-- The state machine and what never changes, enforced where no code path can skip them.
CREATE FUNCTION payments_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.user_id <> OLD.user_id OR NEW.method <> OLD.method OR NEW.ref <> OLD.ref
       OR NEW.currency <> OLD.currency OR NEW.units <> OLD.units OR NEW.kopecks <> OLD.kopecks
       OR (OLD.telegram_charge_id IS NOT NULL AND NEW.telegram_charge_id IS DISTINCT FROM OLD.telegram_charge_id)
       OR (OLD.ledger_ref IS NOT NULL AND NEW.ledger_ref IS DISTINCT FROM OLD.ledger_ref) THEN
        RAISE EXCEPTION 'payment %: what was paid, by whom and how never changes', OLD.id;
    END IF;
    IF NEW.state <> OLD.state AND NOT (
           (OLD.state = 'pending' AND NEW.state IN ('paid', 'failed', 'expired'))
        OR (OLD.state = 'expired' AND NEW.state = 'paid')
        OR (OLD.state IN ('paid', 'failed') AND NEW.state = 'refunded'
            AND NEW.method = 'stars' AND NEW.telegram_charge_id IS NOT NULL)) THEN
        RAISE EXCEPTION 'payment % cannot go from % to %', OLD.id, OLD.state, NEW.state;
    END IF;
    IF OLD.state = 'refunded' AND (NEW.refund_debit IS DISTINCT FROM OLD.refund_debit
                                   OR NEW.written_off IS DISTINCT FROM OLD.written_off) THEN
        RAISE EXCEPTION 'payment % was refunded and cannot change', OLD.id;
    END IF;
    NEW.updated_at := now();
    IF NEW.state <> OLD.state THEN
        IF NEW.state = 'paid' THEN
            NEW.paid_at := coalesce(NEW.paid_at, now());
            NEW.closed_at := NULL;
        ELSIF NEW.state IN ('failed', 'expired', 'refunded') THEN
            NEW.closed_at := now();
        END IF;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER payments_guard BEFORE UPDATE ON payments FOR EACH ROW EXECUTE FUNCTION payments_guard();

-- Two new ledger kinds. A reversal takes back (part of) what a payment credited, when its Stars go back
-- to the payer; a write-off records the part the wallet no longer held (it moves no money, so a balance
-- never goes below zero): its amount is 0 and the kopecks written off are in meta.
ALTER TABLE ledger DROP CONSTRAINT ledger_entry_shape;
ALTER TABLE ledger ADD CONSTRAINT ledger_entry_shape CHECK (
    (kind IN ('topup', 'bonus', 'refund') AND amount > 0 AND held_delta = 0)
    OR (kind = 'adjust' AND amount <> 0 AND held_delta = 0)
    OR (kind = 'hold' AND amount = 0 AND held_delta > 0)
    OR (kind = 'release' AND amount = 0 AND held_delta < 0)
    OR (kind = 'charge' AND amount < 0 AND held_delta = amount)
    OR (kind = 'reversal' AND amount < 0 AND held_delta = 0)
    OR (kind = 'writeoff' AND amount = 0 AND held_delta = 0
        AND CASE WHEN jsonb_typeof(meta -> 'kopecks') = 'number' THEN (meta ->> 'kopecks')::numeric > 0
                 ELSE false END
        AND coalesce(jsonb_typeof(meta -> 'reason') = 'string', false))
);

-- /paysupport: what a person asked about (a payment, a generation, anything else) and the operators' answer.
CREATE TABLE support_tickets (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    topic       text NOT NULL CHECK (topic IN ('payment', 'generation', 'other')),
    payment_id  bigint REFERENCES payments (id),
    body        text NOT NULL CHECK (length(body) BETWEEN 1 AND 2000),
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'answered')),
    answer      text CHECK (length(answer) <= 2000),
    answered_by bigint,
    answered_at timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT support_answered_has_answer CHECK (state = 'open' OR (answer IS NOT NULL AND answered_by IS NOT NULL))
);

CREATE INDEX support_tickets_open_idx ON support_tickets (id DESC) WHERE state = 'open';
