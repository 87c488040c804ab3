-- CrowdTangle Facebook posts were keyed PAGEID_POSTID until issue #7; they are now keyed by the
-- post's own id from its URL (the one form every export variant carries). Rekey the posts an
-- earlier shailoo imported, so that re-importing the same exports does not duplicate them.
-- A post whose new key is already taken keeps its old key (only possible if both versions imported it).
CREATE TEMP TABLE rekey AS
SELECT p.post_id, regexp_extract(p.platform_post_id, '^[0-9]+_(.+)$', 1) AS new_key
FROM posts p JOIN imports i ON i.import_id = p.first_import_id
WHERE p.platform = 'facebook' AND i.format = 'crowdtangle'
  AND regexp_full_match(p.platform_post_id, '[0-9]+_.+')
  AND NOT EXISTS (SELECT 1 FROM posts q WHERE q.platform = 'facebook'
                  AND q.platform_post_id = regexp_extract(p.platform_post_id, '^[0-9]+_(.+)$', 1))
QUALIFY count(*) OVER (PARTITION BY regexp_extract(p.platform_post_id, '^[0-9]+_(.+)$', 1)) = 1;

UPDATE posts SET platform_post_id = r.new_key FROM rekey r WHERE posts.post_id = r.post_id;
DROP TABLE rekey;
