"""Tiny workspaces of hand-written posts in Russian, Kyrgyz, Kazakh, Uzbek and English."""

from __future__ import annotations

import shailoo
from shailoo.store.workspace import init_workspace

# (platform, text, day): small enough to count by hand.
POSTS = [
    ("facebook", "Работа в Москве. Работа для кыргызов, зарплата высокая!", "2021-01-04"),
    ("facebook", "Ищу работу: повар, уборка. Зарплата?", "2021-01-05"),
    ("vk", "Кыргыздар шайлоодо добуш беришет. Шайлоо адилет болушу керек.", "2021-01-06"),
    ("vk", "Жумуштар жок. Кыргыздар Москвада жумуш издешет.", "2021-01-12"),
    ("ok", "Сайлауға барыңыздар! Қазақстан азаматтары сайлауда дауыс береді.", "2021-01-13"),
    ("ok", "Oʻzbekiston saylovlarda xalqimiz faol ishtirok etdi.", "2021-01-14"),
    ("facebook", "Human rights and free elections matter. Human rights first!", "2021-01-15"),
    ("facebook", "Рабoта есть, звоните https://example.com/job #работа @recruiter", "2021-01-16"),
]


def make_workspace(path, posts=POSTS) -> shailoo.Workspace:
    ws = init_workspace(path, project="t")
    for i, (platform, text, day) in enumerate(posts, start=1):
        ws.con.execute(
            "INSERT INTO posts (platform, platform_post_id, account_id, created_at, url, text, text_norm) "
            "VALUES (?, ?, 'acc1', ?::TIMESTAMPTZ, ?, ?, ?)",
            [platform, f"p{i}", f"{day} 12:00:00+06", f"https://{platform}.example/p{i}", text, text],
        )
    return ws
