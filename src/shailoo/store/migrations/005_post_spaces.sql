-- 005: the group, community wall or chat a post was published in, when its author is someone else
-- (a member's post in a VK community or a Telegram group): such a post counts for the space's actor
-- (posts_v), while its private author stays pseudonymised. Back-filled from what earlier imports kept:
-- a VK key is OWNER_POST (a community's owner id is negative), a Telegram key CHAT/MESSAGE.
ALTER TABLE posts ADD COLUMN IF NOT EXISTS space_account_id VARCHAR;

UPDATE posts SET space_account_id = split_part(platform_post_id, '_', 1)
WHERE platform = 'vk' AND regexp_full_match(platform_post_id, '-[0-9]+_[0-9]+')
  AND account_id IS DISTINCT FROM split_part(platform_post_id, '_', 1);

UPDATE posts SET space_account_id = split_part(platform_post_id, '/', 1)
WHERE platform = 'telegram' AND regexp_full_match(platform_post_id, '[0-9]+/[0-9]+')
  AND account_id IS DISTINCT FROM split_part(platform_post_id, '/', 1);

-- The space is an account of its own, so the registry can attribute it (the next `actors import` or
-- `import` resolves every account again; an exact id in the registry is taken here already).
INSERT INTO accounts (platform, account_id)
SELECT DISTINCT platform, space_account_id FROM posts WHERE space_account_id IS NOT NULL
ON CONFLICT DO NOTHING;

UPDATE accounts SET actor_id = r.actor_id
FROM (SELECT platform, account_id, min(actor_id) AS actor_id FROM actor_accounts
      WHERE account_id IS NOT NULL GROUP BY ALL) r
WHERE accounts.actor_id IS NULL AND accounts.platform = r.platform AND accounts.account_id = r.account_id
  AND accounts.account_id IN (SELECT space_account_id FROM posts WHERE space_account_id IS NOT NULL);
