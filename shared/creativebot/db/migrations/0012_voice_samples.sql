-- Voice samples (issue 16): a short phrase spoken by each voice of the text-to-speech models, made by cron
-- on the operator's KIE credits (creativebot.voices) and sent from step 2's "🔊 Послушать голоса".
-- One row per (the model that made it, voice); the ElevenLabs models share voice ids, so one sample made by
-- the cheapest of them serves them all.
CREATE TABLE voice_samples (
    model_id     text NOT NULL,
    voice        text NOT NULL,
    -- the ready sample: what it says, KIE's file (kept about 14 days), Telegram's file id once sent
    phrase       text,
    audio_url    text,
    file_id      text,
    made_at      timestamptz,
    -- the task under way: requested_at is the create's intent, recorded before KIE is called; task_id
    -- its answer (NULL while the call is out, or when its answer was lost)
    task_id      text,
    task_phrase  text,
    requested_at timestamptz,
    -- failures in a row; a voice whose last task failed waits before the next one
    failures     integer NOT NULL DEFAULT 0 CHECK (failures >= 0),
    failed_at    timestamptz,
    last_error   text,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (model_id, voice),
    CHECK (task_id IS NULL OR requested_at IS NOT NULL),
    CHECK ((audio_url IS NULL) = (made_at IS NULL))
);

CREATE INDEX voice_samples_by_voice ON voice_samples (voice);

-- Every create cron tried (refused, lost or not), to hold it to a number per 24 hours whatever fails.
CREATE TABLE voice_sample_creates (
    id         bigserial PRIMARY KEY,
    model_id   text NOT NULL,
    voice      text NOT NULL,
    task_id    text,
    outcome    text NOT NULL DEFAULT 'reserved'
               CHECK (outcome IN ('reserved', 'created', 'refused', 'uncertain', 'not_sent')),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX voice_sample_creates_by_time ON voice_sample_creates (created_at);
