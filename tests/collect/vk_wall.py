"""A VK API for tests, served by the replay server: walls of synthetic posts (or real items), paged
by wall.get's offset/count, read by wall.getById, with comments; scripted failures.

    api = VkApi(token="T")
    api.add_wall(-5, make_posts(-5, 250, start=START), screen_name="party", pinned=post)
    api.install(server)          # routes /method/wall.get, wall.getById, wall.getComments, utils.resolveScreenName
    api.revoke_after = 3         # error 5 from the 4th request on (a token that expires midway)
    api.throttle = 2             # error 6 the next 2 requests
    api.likes_growth = 1         # every post gains likes per hour of age at `api.now()`
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from tests.collect.replay import Recorded, Reply, ReplayServer

START = datetime(2024, 5, 1, 12, tzinfo=timezone.utc)


def make_posts(owner: int, n: int, start: datetime = START, step_s: int = 3600, first_id: int = 1,
               comments: int = 0) -> list[dict]:
    """n synthetic posts of the wall `owner`, oldest first, one every `step_s` seconds (synthetic data)."""
    base = int(start.timestamp())
    return [{"id": first_id + i, "owner_id": owner, "from_id": owner, "date": base + i * step_s,
             "post_type": "post", "text": f"Синтетический пост {first_id + i} о выборах #шайлоо",
             "likes": {"count": 10 + i % 7}, "comments": {"count": comments}, "reposts": {"count": 1},
             "views": {"count": 100 + i}} for i in range(n)]


def _error(code: int, msg: str) -> Reply:
    return Reply.json({"error": {"error_code": code, "error_msg": msg, "request_params": []}})


class VkApi:
    def __init__(self, token: str = "vk-test-token", now: Callable[[], datetime] | None = None) -> None:
        self.token = token
        self.walls: dict[int, list[dict]] = {}  # owner -> posts newest first
        self.pinned: dict[int, dict] = {}
        self.names: dict[str, int] = {}
        self.errors: dict[int, tuple[int, str]] = {}  # owner -> (error code, message) for every call on it
        self.revoke_after: int | None = None
        self.throttle = 0
        self.requests = 0
        self.now = now
        self.likes_growth = 0

    def add_wall(self, owner: int, posts: list[dict], screen_name: str | None = None,
                 pinned: dict | None = None) -> None:
        self.walls[owner] = sorted(posts, key=lambda p: -p["id"])
        if screen_name:
            self.names[screen_name] = owner
        if pinned is not None:
            self.pinned[owner] = {**pinned, "is_pinned": 1}

    def install(self, server: ReplayServer, prefix: str = "/method/") -> None:
        server.route(prefix + "wall.get", self._guard(self._wall_get))
        server.route(prefix + "wall.getById", self._guard(self._get_by_id))
        server.route(prefix + "wall.getComments", self._guard(self._get_comments))
        server.route(prefix + "utils.resolveScreenName", self._guard(self._resolve))

    def _resolve(self, req: Recorded) -> Reply:
        """As VK: the type and id of a short name's page, [] for a name nobody has."""
        owner = self.names.get(req.params.get("screen_name", ""))
        if owner is None:
            return Reply.json({"response": []})
        kind, object_id = ("user", owner) if owner > 0 else ("group", -owner)
        return Reply.json({"response": {"type": kind, "object_id": object_id}})

    def _guard(self, handler: Callable[[Recorded], Reply]) -> Callable[[Recorded], Reply]:
        def answer(req: Recorded) -> Reply:
            self.requests += 1
            if self.throttle > 0:
                self.throttle -= 1
                return _error(6, "Too many requests per second")
            if req.params.get("access_token") != self.token or (
                    self.revoke_after is not None and self.requests > self.revoke_after):
                return _error(5, "User authorization failed: invalid access_token (4).")
            if "v" not in req.params:
                return _error(8, "Invalid request: v is required")
            return handler(req)
        return answer

    def _counts(self, post: dict) -> dict:
        if not self.likes_growth or self.now is None:
            return post
        hours = max(0, (self.now().timestamp() - post["date"]) // 3600)
        return {**post, "likes": {"count": post["likes"]["count"] + int(hours) * self.likes_growth}}

    def _owner(self, req: Recorded) -> int | None:
        if "owner_id" in req.params:
            return int(req.params["owner_id"])
        return self.names.get(req.params.get("domain", ""))

    def _wall_get(self, req: Recorded) -> Reply:
        owner = self._owner(req)
        if owner in self.errors:
            return _error(*self.errors[owner])
        if owner is None or owner not in self.walls:
            return _error(100, "One of the parameters specified was missing or invalid: owner_id is undefined")
        offset, count = int(req.params.get("offset", 0)), min(100, int(req.params.get("count", 20)))
        posts = self.walls[owner]
        if owner in self.pinned:  # as VK: the pinned post heads the wall, once
            pinned = self.pinned[owner]
            posts = [pinned, *(p for p in posts if p["id"] != pinned["id"])]
        items = [self._counts(p) for p in posts[offset:offset + count]]
        body = {"count": len(posts), "items": items}
        if req.params.get("extended") == "1" and owner < 0:
            name = next((k for k, v in self.names.items() if v == owner), f"club{-owner}")
            body["groups"] = [{"id": -owner, "name": f"Community {name}", "screen_name": name}]
        return Reply.json({"response": body})

    def _get_by_id(self, req: Recorded) -> Reply:
        found = []
        for key in req.params.get("posts", "").split(","):
            owner, _, post_id = key.partition("_")
            for post in self.walls.get(int(owner), []):
                if post["id"] == int(post_id):
                    found.append(self._counts(post))
        return Reply.json({"response": {"items": found, "profiles": [], "groups": []}})

    def _get_comments(self, req: Recorded) -> Reply:
        owner, post_id = int(req.params["owner_id"]), int(req.params["post_id"])
        post = next((p for p in self.walls.get(owner, []) if p["id"] == post_id), None)
        n = post["comments"]["count"] if post else 0
        offset, count = int(req.params.get("offset", 0)), int(req.params.get("count", 20))
        items = [{"id": 100000 + post_id * 100 + i, "from_id": 700 + i, "post_id": post_id, "owner_id": owner,
                  "date": post["date"] + 60 * (i + 1), "text": f"комментарий {i}", "likes": {"count": i}}
                 for i in range(offset, min(n, offset + count))] if post else []
        return Reply.json({"response": {"count": n, "items": items, "profiles": [], "groups": []}})
