-- 006: what an import said beside its counts: the encoding and delimiter a CSV file was read with
-- ("Windows-1251 (Cyrillic), semicolon-separated"), and its warnings (a column the file lacks, so a
-- figure is unknown; times without a zone taken in an assumed zone; totals that disagree with their parts).
ALTER TABLE imports ADD COLUMN IF NOT EXISTS dialect VARCHAR;
ALTER TABLE imports ADD COLUMN IF NOT EXISTS warnings VARCHAR[];
