"""Platform names and what each counts as an interaction (DESIGN.md, 'interactions')."""

PLATFORMS = ("facebook", "instagram", "telegram", "vk", "ok", "youtube", "x", "tiktok")

CATEGORIES = ("candidate", "politician", "party", "authority", "media", "influencer", "public_group", "other")

# Which engagement columns make up a platform's interactions, as monitors report them.
# Views are never interactions. `reactions` holds reactions/likes, `comments` comments/replies,
# `shares` shares/forwards/reposts.
INTERACTION_PARTS: dict[str, tuple[str, ...]] = {
    "facebook": ("reactions", "comments", "shares"),
    "instagram": ("reactions", "comments"),
    "telegram": ("reactions", "shares", "comments"),
    "vk": ("reactions", "comments", "shares"),
    "ok": ("reactions", "comments", "shares"),
    "youtube": ("reactions", "comments"),
    "x": ("reactions", "comments", "shares"),
    "tiktok": ("reactions", "comments", "shares"),
}


def interactions_sql(alias: str = "") -> str:
    """An SQL expression computing interactions from a row with `platform` and the count columns.

    Unknown is not zero: when any part the platform counts is unknown (NULL: the export does not
    give it, or the post has no snapshot), the post's interactions are unknown (NULL), never the
    sum of the known parts (a Telegram export without forwards would otherwise pass reactions off
    as the total). SQL's `+` gives NULL when any operand is NULL, which is exactly that rule.
    """
    p = f"{alias}." if alias else ""
    cases = " ".join(
        f"WHEN '{platform}' THEN " + " + ".join(f"{p}{c}" for c in parts)
        for platform, parts in INTERACTION_PARTS.items()
    )
    return f"(CASE {p}platform {cases} ELSE {p}reactions + {p}comments + {p}shares END)"
