"""A hand-made workspace for coordination and copypasta, imported through the generic importer.

Public accounts (file public.csv):
- facebook 111 "Группа А" (registered public_group), telegram 222 "Блогер Б" (registered influencer),
  vk -333 "Сообщество В" (not registered): each pushes https://example.kg/news/1 and
  https://example.kg/news/2, written differently (www., m., http, tracking parameters, trailing
  slash, fragment), within 10 seconds of each other, and the hashtag #Выборы2026 in three cases.
- facebook 444 "Страница Г" (not registered) shares news/1 an hour later: not coordinated at 60 s.
- vk -333 and vk -555 repost vk post -900_1 within 5 s, twice (parents -900_1 and -900_2).
Private commenters (file private.csv, pseudonymised): seven people comment "100 % поддерживаем …"
(five identical, two with the last word changed:
Jaccard 11/13 = 0.85 on 3-word shingles) on telegram and vk within two hours on 2026-02-20, plus a
hostile text pasted by five of them on 2026-02-21.
"""

from __future__ import annotations

import csv
from pathlib import Path

from shailoo.actors import import_registry
from shailoo.store.loader import import_file
from shailoo.store.workspace import init_workspace

REGISTRY = """name,category,platform,account_id,handle,url,aliases
Группа А,public_group,facebook,111,gruppa.a,,
Блогер Б,influencer,telegram,222,bloger_b,,
"""

MAPPING = """platform: {column: platform}
columns:
  platform_post_id: id
  created_at: time
  account_id: account
  account_name: name
  text: text
  link: link
  post_type: type
  parent_platform_post_id: parent
  url: url
timezone: UTC
author_is_public: %s
"""

COPY = "100 % поддерживаем нашего кандидата, он единственный кто защитит нашу страну и наших детей"
COPY_CHANGED = "100 % поддерживаем нашего кандидата, он единственный кто защитит нашу страну и наших внуков"
HOSTILE = '<script>alert("x")</script> <img src=x onerror=alert(1)> =HYPERLINK("http://evil") поддержим все вместе'
PEOPLE = ("Айбек Частный", "Нурлан Частный", "Мира Частная", "Асель Частная", "Бакыт Частный", "Зарина Частная",
          "Тимур Частный")


def _public_rows() -> list[dict]:
    rows = []

    def post(platform, pid, t, account, name, text="", link="", typ="post", parent=""):
        rows.append({"platform": platform, "id": pid, "time": t, "account": account, "name": name, "text": text,
                     "link": link, "type": typ, "parent": parent, "url": f"https://example.org/{platform}/{pid}"})

    for n, (day, hashtag) in enumerate((("2026-02-10", "#Выборы2026"), ("2026-02-12", "#ВЫБОРЫ2026")), start=1):
        post("facebook", f"f{n}", f"{day} 10:00:00", "111", "Группа А", f"Читайте {hashtag}",
             f"https://www.example.kg/news/{n}?utm_source=facebook&utm_medium=post")
        post("telegram", f"222/{n}", f"{day} 10:00:04", "222", "Блогер Б",
             f"Важно http://example.kg/news/{n}/ #выборы2026")
        post("vk", f"-333_{n}", f"{day} 10:00:09", "-333", "Сообщество В",
             f"Смотрите https://m.example.kg/news/{n}?fbclid=IwAR{n}#comments {hashtag}")
        post("facebook", f"g{n}", f"{day} 11:00:00", "444", "Страница Г", "Через час",
             f"https://example.kg/news/{n}")
        post("vk", f"-333_{10 + n}", f"{day} 15:00:00", "-333", "Сообщество В", "Репост", typ="repost",
             parent=f"-900_{n}")
        post("vk", f"-555_{10 + n}", f"{day} 15:00:05", "-555", "Сообщество Д", "Репост", typ="repost",
             parent=f"-900_{n}")
    return rows


def _private_rows() -> list[dict]:
    rows = []
    for i, person in enumerate(PEOPLE):
        platform = "telegram" if i % 2 == 0 else "vk"
        text = COPY_CHANGED if i >= 5 else COPY
        rows.append({"platform": platform, "id": f"c{i}", "time": f"2026-02-20 09:{8 * i:02d}:00",
                     "account": f"{9000 + i}", "name": person, "text": text, "link": "", "type": "comment",
                     "parent": "222/1", "url": f"https://example.org/comment/{i}"})
        if i < 5:
            rows.append({"platform": platform, "id": f"h{i}", "time": f"2026-02-21 12:0{i}:00",
                         "account": f"{9000 + i}", "name": person, "text": HOSTILE, "link": "", "type": "comment",
                         "parent": "222/2", "url": "javascript:alert(1)"})
    return rows


def _write(path: Path, rows: list[dict]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def build_coordination_fixture(folder: Path):
    """The workspace described above (open, writable)."""
    ws = init_workspace(folder / "ws", project="coordination test")
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    (data / "registry.csv").write_text(REGISTRY, encoding="utf-8")
    import_registry(ws, data / "registry.csv")
    for name, rows, public in (("public", _public_rows(), "true"), ("private", _private_rows(), "false")):
        _write(data / f"{name}.csv", rows)
        (data / f"{name}.yaml").write_text(MAPPING % public, encoding="utf-8")
        import_file(ws, data / f"{name}.csv", "generic", options={"mapping": str(data / f"{name}.yaml")})
    return ws
