-- What each result file is, beside its URL: a Suno track's title and cover art (null where KIE says nothing).
ALTER TABLE jobs ADD COLUMN result_meta jsonb;
