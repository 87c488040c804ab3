-- 003: what an import was told besides the file (a mapping, a time zone): an identical file read
-- with other options is a different import and must be read again.
ALTER TABLE imports ADD COLUMN options_fingerprint VARCHAR;
