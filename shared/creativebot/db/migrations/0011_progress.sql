-- Signs of life for a long generation (issue 16): which of the status message's progress edits the job has
-- had. 0: none yet ("⏳ Генерирую…" as sent at launch), 1: "longer than usual", 2: "the model is overloaded".
-- Cron's progress step only ever moves it forward, claiming the job in the same statement, so each edit is
-- queued once per job however many cron runs overlap.
ALTER TABLE jobs ADD COLUMN progress_stage smallint NOT NULL DEFAULT 0 CHECK (progress_stage BETWEEN 0 AND 2);

-- A job the person canceled before it reached KIE ends as 'canceled' (the status, its CHECK and the state
-- machine's trigger have allowed it since 0004_jobs.sql): nothing to change here for it.
