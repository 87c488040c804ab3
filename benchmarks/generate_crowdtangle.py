"""Write an N-row CrowdTangle-format CSV (Facebook pages) with Russian and Kyrgyz text.

    python benchmarks/generate_crowdtangle.py ROWS OUT.csv
"""

from __future__ import annotations

import csv
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

HEADER = ("Page Name,User Name,Facebook Id,Page Category,Page Admin Top Country,Page Description,Page Created,"
          "Likes at Posting,Followers at Posting,Post Created,Post Created Date,Post Created Time,Type,"
          "Total Interactions,Likes,Comments,Shares,Love,Wow,Haha,Sad,Angry,Care,Video Share Status,"
          "Is Video Owner?,Post Views,Total Views,Total Views For All Crossposts,Video Length,URL,Message,Link,"
          "Final Link,Image Text,Link Text,Description,Sponsor Id,Sponsor Name,Sponsor Category,"
          "Total Interactions (weighted  —  Likes 1x Shares 1x Comments 1x Love 1x Wow 1x Haha 1x Sad 1x Angry 1x Care 1x ),"
          "Overperforming Score").split(",")

RU = ("выборы кандидат избиратели голосование ЦИК программа коррупция мигранты работа страна народ закон "
      "президент парламент партия бюджет реформа школа больница дорога молодежь пенсия цены экономика").split()
KY = ("шайлоо талапкер шайлоочулар добуш берүү өлкө эл укук жаштар жумуш мигранттар билим саламаттык "
      "президент парламент партия бюджет мектеп оорукана жол пенсия баалар экономика кыргыздар").split()


def sentence(rng: random.Random) -> str:
    words = KY if rng.random() < 0.45 else RU
    text = " ".join(rng.choice(words) for _ in range(rng.randint(8, 40)))
    if rng.random() < 0.3:
        text += f" #{rng.choice(('шайлоо2026', 'выборы', 'Кыргызстан'))}"
    if rng.random() < 0.2:
        text += f" https://news{rng.randint(1, 50)}.kg/article/{rng.randint(1, 99999)}"
    return text.capitalize()


def write(rows: int, out: Path, seed: int = 1) -> None:
    rng = random.Random(seed)
    pages = [(f"Страница {i}", f"page{i}", str(100000000000 + i)) for i in range(200)]
    start = datetime(2026, 1, 1)
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for n in range(rows):
            name, handle, page_id = pages[n % len(pages)]
            created = start + timedelta(seconds=n * 7)
            likes, comments, shares = rng.randint(0, 5000), rng.randint(0, 900), rng.randint(0, 400)
            love, wow, haha, sad, angry, care = (rng.randint(0, 300) for _ in range(6))
            total = likes + comments + shares + love + wow + haha + sad + angry + care
            writer.writerow([
                name, handle, page_id, "POLITICIAN", "KG", "", "2015-01-01 00:00:00", "12000", "15000",
                created.strftime("%Y-%m-%d %H:%M:%S") + " KGT", created.strftime("%Y-%m-%d"),
                created.strftime("%H:%M:%S"), "Status", f"{total:,}".replace(",", "."), likes, comments, shares,
                love, wow, haha, sad, angry, care, "", "-", 0, 0, 0, "N/A",
                f"https://www.facebook.com/{page_id}/posts/{5000000000 + n}", sentence(rng), "", "", "", "", "",
                "", "", "", f"{total:,}".replace(",", "."), f"{rng.random() * 5:.2f}".replace(".", ","),
            ])


if __name__ == "__main__":
    write(int(sys.argv[1]), Path(sys.argv[2]))
