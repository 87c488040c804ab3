"""The fictional actors of the demo election, their accounts and how much they post.

Every name here is invented for the demo; any resemblance to a real person, party or outlet is
accidental. Institutions (the election commission, ministries) are named by their function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ELECTION_NAME = "2026 early presidential election in Kyrgyzstan (fictional)"
PRE_CAMPAIGN = ("pre-campaign", date(2026, 1, 5), date(2026, 2, 15))  # 6 weeks, Monday to Sunday
CAMPAIGN = ("campaign", date(2026, 2, 16), date(2026, 3, 15))  # 4 weeks, ends on election day
ELECTION_DAY = date(2026, 3, 15)


@dataclass
class Actor:
    name: str
    category: str
    aliases: tuple[str, ...]
    handle: str  # one Latin handle used on every platform
    platforms: tuple[str, ...]  # where the actor has an account
    activity: float = 1.0  # multiplies the category's posting rates
    reach: float = 1.0  # multiplies the category's typical engagement
    langs: tuple[float, float, float] = (0.4, 0.4, 0.2)  # share of Russian, Kyrgyz, mixed posts
    site: str | None = None  # a media outlet's (fictional) website
    silent: bool = False  # registered but never posts
    ids: dict[str, str] = field(default_factory=dict)  # platform -> account id, filled below


A = Actor
CAST: tuple[Actor, ...] = (
    # candidates
    A("Азамат Бекболотов", "candidate", ("Azamat Bekbolotov", "Бекболотов"), "azamat.bekbolotov",
      ("facebook", "instagram", "telegram"), 1.3, 1.6),
    A("Гүлнара Сатыбалдиева", "candidate", ("Gulnara Satybaldieva", "Гульнара Сатыбалдиева", "Сатыбалдиева"),
      "gulnara.satybaldieva", ("facebook", "instagram", "telegram"), 1.1, 1.2, (0.3, 0.5, 0.2)),
    A("Эрлан Мамыркулов", "candidate", ("Erlan Mamyrkulov", "Мамыркулов"), "erlan.mamyrkulov",
      ("facebook", "instagram", "telegram"), 1.0, 0.9, (0.6, 0.2, 0.2)),
    A("Бактыгүл Жумалиева", "candidate", ("Baktygul Zhumalieva", "Бактыгуль Жумалиева", "Жумалиева"),
      "baktygul.zhumalieva", ("facebook", "instagram"), 0.9, 0.8, (0.2, 0.6, 0.2)),
    A("Талант Осмонбеков", "candidate", ("Talant Osmonbekov", "Осмонбеков"), "talant.osmonbekov",
      ("facebook", "instagram", "telegram"), 0.8, 0.6),
    A("Урмат Кочкорбаев", "candidate", ("Urmat Kochkorbaev", "Кочкорбаев"), "urmat.kochkorbaev",
      ("facebook", "instagram"), 0.6, 0.4, (0.3, 0.6, 0.1)),
    A("Жылдыз Ормонова", "candidate", ("Zhyldyz Ormonova", "Жылдыз Ормонова", "Ормонова"), "zhyldyz.ormonova",
      ("instagram", "telegram", "facebook"), 0.7, 1.0, (0.4, 0.4, 0.2)),
    # politicians
    A("Данияр Турдубаев", "politician", ("Daniyar Turdubaev", "Турдубаев"), "daniyar.turdubaev",
      ("facebook", "instagram", "telegram"), 1.0, 1.0),
    A("Айнура Кадыркулова", "politician", ("Ainura Kadyrkulova", "Кадыркулова"), "ainura.kadyrkulova",
      ("facebook", "instagram"), 0.8, 0.8, (0.3, 0.5, 0.2)),
    A("Максат Эсенгулов", "politician", ("Maksat Esengulov", "Эсенгулов"), "maksat.esengulov",
      ("facebook", "instagram"), 0.7, 0.7),
    A("Руслан Шаршеев", "politician", ("Ruslan Sharsheev", "Шаршеев"), "ruslan.sharsheev",
      ("facebook", "telegram"), 0.9, 0.6, (0.7, 0.1, 0.2)),
    A("Медер Асанакунов", "politician", ("Meder Asanakunov", "Асанакунов"), "meder.asanakunov",
      ("facebook", "instagram"), silent=True),
    # parties
    A("Партия «Ала-Тоо Биримдиги»", "party", ("Ала-Тоо Биримдиги", "Ala-Too Birimdigi", "Ala-Too Unity"),
      "alatoo.birimdigi", ("facebook", "instagram", "telegram"), 1.2, 1.0),
    A("Партия «Жаңы Кадам»", "party", ("Жаңы Кадам", "Jangy Kadam", "Жаны Кадам"),
      "jangy.kadam", ("facebook", "instagram", "telegram"), 1.0, 0.9, (0.2, 0.6, 0.2)),
    A("Партия «Эл Үнү»", "party", ("Эл Үнү", "Эл Уну", "El Unu"), "el.unu", ("facebook", "instagram"), 0.9, 0.7),
    A("Партия «Келечек Жолу»", "party", ("Келечек Жолу", "Kelechek Zholu"), "kelechek.zholu",
      ("facebook", "instagram", "telegram"), 0.8, 0.6),
    A("Партия «Мекен Нуру»", "party", ("Мекен Нуру", "Meken Nuru"), "meken.nuru", ("facebook", "instagram"), 0.6, 0.5),
    # authorities
    A("Центральная избирательная комиссия", "authority",
      ("Борбордук шайлоо комиссиясы", "ЦИК", "БШК", "CEC", "Central Election Commission"), "shailoo.cec.demo",
      ("facebook", "instagram", "telegram"), 1.4, 1.5, (0.45, 0.25, 0.3)),
    A("Министерство здравоохранения", "authority", ("Саламаттык сактоо министрлиги", "Минздрав", "Ministry of Health"),
      "health.ministry.demo", ("facebook", "telegram"), 1.0, 0.8, (0.4, 0.3, 0.3)),
    A("Министерство труда и миграции", "authority",
      ("Эмгек жана миграция министрлиги", "Минтруда", "Ministry of Labour and Migration"), "labour.ministry.demo",
      ("facebook", "telegram"), 0.8, 0.6, (0.4, 0.3, 0.3)),
    A("Мэрия Бишкека", "authority", ("Бишкек шаарынын мэриясы", "Bishkek City Hall"), "bishkek.cityhall.demo",
      ("facebook", "instagram"), 0.9, 0.7, (0.4, 0.3, 0.3)),
    # media
    A("Ала-Тоо Жаңылыктары", "media", ("Ala-Too News", "Ала-Тоо Новости"), "alatoo.news",
      ("facebook", "instagram", "telegram"), 1.3, 1.3, (0.4, 0.5, 0.1), "ala-too-news.example"),
    A("Бишкек Сегодня", "media", ("Bishkek Segodnya", "Bishkek Today"), "bishkek.segodnya",
      ("facebook", "instagram", "telegram"), 1.3, 1.1, (0.85, 0.05, 0.1), "bishkek-segodnya.example"),
    A("Жарчы", "media", ("Jarchy", "Zharchy"), "jarchy.kg", ("facebook", "instagram", "telegram"), 1.0, 0.8,
      (0.1, 0.85, 0.05), "jarchy.example"),
    A("Ош Медиа", "media", ("Osh Media", "Ош Media"), "osh.media", ("facebook", "instagram"), 0.9, 0.7,
      (0.4, 0.5, 0.1), "osh-media.example"),
    A("Кабарчы", "media", ("Kabarchy",), "kabarchy", ("facebook", "telegram"), 0.9, 0.6, (0.3, 0.6, 0.1),
      "kabarchy.example"),
    A("Айкын Медиа", "media", ("Aikyn Media", "Айкын"), "aikyn.media", ("instagram", "telegram", "facebook"),
      0.8, 0.9, (0.5, 0.4, 0.1), "aikyn.example"),
    A("Тез Кабар 24", "media", ("Tez Kabar 24", "Тез Кабар"), "tezkabar24", ("telegram", "instagram"), 1.0, 0.7,
      (0.6, 0.3, 0.1), "tez-kabar.example"),
    # influencers
    A("Бека Блог", "influencer", ("Beka Blog", "Бека"), "beka.blog", ("instagram", "telegram"), 1.0, 1.5),
    A("Айдай Лайф", "influencer", ("Aidai Life", "Айдай"), "aidai.life", ("instagram", "facebook"), 1.0, 1.8,
      (0.3, 0.5, 0.2)),
    A("Канат Влог", "influencer", ("Kanat Vlog", "Канат"), "kanat.vlog", ("instagram", "telegram"), 0.8, 1.0),
    A("Мээрим Стиль", "influencer", ("Meerim Style", "Мээрим"), "meerim.style", ("instagram",), 0.9, 1.2,
      (0.3, 0.4, 0.3)),
    A("Тилек Стендап", "influencer", ("Tilek Standup", "Тилек"), "tilek.standup", ("instagram", "facebook"), 0.7,
      0.9, (0.6, 0.2, 0.2)),
    # public groups (Facebook only, as in the 2021 monitoring)
    A("Бишкек — наш город", "public_group", ("Bishkek nash gorod",), "bishkek.nash.gorod", ("facebook",), 1.2, 1.0,
      (0.8, 0.1, 0.1)),
    A("Ош шаары — биздин үй", "public_group", ("Osh shaary biz uy",), "osh.biz.uy", ("facebook",), 1.0, 0.9,
      (0.2, 0.7, 0.1)),
    A("Мигранты Кыргызстана в Москве", "public_group", ("Kyrgyz migrants Moscow", "Мигранттар Москвада"),
      "kg.migrants.moscow", ("facebook",), 1.2, 0.8, (0.6, 0.2, 0.2)),
    A("Жаштар үнү", "public_group", ("Zhashtar unu", "Голос молодёжи"), "jashtar.unu", ("facebook",), 0.9, 0.7,
      (0.2, 0.6, 0.2)),
    A("Родители Бишкека", "public_group", ("Roditeli Bishkeka", "Бишкектин ата-энелери"), "roditeli.bishkek",
      ("facebook",), 0.8, 0.6, (0.7, 0.2, 0.1)),
    # other: a (fictional) observer group
    A("Гражданская инициатива «Ачык шайлоо»", "other", ("Ачык шайлоо", "Achyk Shailoo", "Open Elections"),
      "achyk.shailoo", ("facebook",), 1.0, 0.5, (0.5, 0.3, 0.2)),
)
del A

# Weekly posts per account (pre-campaign, campaign) by category and platform.
RATES: dict[str, dict[str, tuple[float, float]]] = {
    "candidate": {"facebook": (3, 10), "instagram": (3, 9), "telegram": (2, 7)},
    "politician": {"facebook": (3, 4), "instagram": (2, 3), "telegram": (2, 3)},
    "party": {"facebook": (3, 6), "instagram": (2, 4), "telegram": (2, 4)},
    "authority": {"facebook": (3, 5), "instagram": (1, 2), "telegram": (2.5, 4)},
    "media": {"facebook": (8, 9), "instagram": (3.5, 4.5), "telegram": (5, 6)},
    "influencer": {"facebook": (1, 1), "instagram": (4, 4), "telegram": (2, 2)},
    "public_group": {"facebook": (9, 12)},
    "other": {"facebook": (2, 4)},
}

# Typical (median) final interactions of a post, by category and platform.
TYPICAL: dict[str, dict[str, float]] = {
    "candidate": {"facebook": 250, "instagram": 1200, "telegram": 90},
    "politician": {"facebook": 120, "instagram": 500, "telegram": 40},
    "party": {"facebook": 60, "instagram": 250, "telegram": 25},
    "authority": {"facebook": 90, "instagram": 300, "telegram": 60},
    "media": {"facebook": 120, "instagram": 700, "telegram": 70},
    "influencer": {"facebook": 400, "instagram": 6000, "telegram": 150},
    "public_group": {"facebook": 40},
    "other": {"facebook": 30},
}

# Typical audience (followers) by category.
AUDIENCE: dict[str, int] = {"candidate": 60_000, "politician": 25_000, "party": 12_000, "authority": 80_000,
                            "media": 150_000, "influencer": 400_000, "public_group": 45_000, "other": 5_000}

PAGE_CATEGORY = {"candidate": "POLITICIAN", "politician": "POLITICIAN", "party": "POLITICAL_PARTY",
                 "authority": "GOVERNMENT_ORGANIZATION", "media": "MEDIA_NEWS_COMPANY",
                 "influencer": "PERSONAL_BLOG", "public_group": "COMMUNITY", "other": "NONPROFIT_ORGANIZATION"}


def _assign_ids() -> None:
    for i, actor in enumerate(CAST):
        actor.ids = {
            "facebook": str(100_070_000_000_000 + 7_919 * (i + 1) ** 2),
            "instagram": str(4_300_000_000 + 104_729 * (i + 1)),
            "telegram": str(1_900_000_000 + 1_299_709 * (i + 1)),
        }


_assign_ids()


def account_url(actor: Actor, platform: str) -> str:
    return {"facebook": f"https://www.facebook.com/{actor.handle}",
            "instagram": f"https://www.instagram.com/{actor.handle}/",
            "telegram": f"https://t.me/{actor.handle.replace('.', '_')}"}[platform]


def telegram_handle(actor: Actor) -> str:
    return actor.handle.replace(".", "_")


# --- The planted influence operation (issue #13): leads `shailoo coordination` and `shailoo copypasta` find.
# A network of eight accounts pushes the same links and hashtag within seconds on Facebook, Telegram and VK:
# two registered public groups, two registered influencers, and four accounts nobody registered.
NETWORK_SITE = "narodnyi-golos.example"
NETWORK_HASHTAG = "#ЭлБирге2026"
# (platform, name, handle, account id, registered actor's name or None)
NETWORK: tuple[tuple[str, str, str, str, str | None], ...] = (
    ("facebook", "Бишкек — наш город", "bishkek.nash.gorod", "", "Бишкек — наш город"),
    ("facebook", "Жаштар үнү", "jashtar.unu", "", "Жаштар үнү"),
    ("facebook", "Элдин Үнү KG", "eldin.unu.kg", "100079990001234", None),
    ("telegram", "Бека Блог", "beka_blog", "", "Бека Блог"),
    ("telegram", "Канат Влог", "kanat_vlog", "", "Канат Влог"),
    ("telegram", "Инсайдер KG", "insider_kg_demo", "1988877665", None),
    ("vk", "Народный Кыргызстан", "narodnyi_kg_demo", "-217700101", None),
    ("vk", "Новости Чуй 24", "chui24_demo", "-217700202", None),
)
# Days (local) on which the network pushes one article each, and the minute it starts.
NETWORK_PUSHES = ((date(2026, 2, 19), 9, 5), (date(2026, 2, 23), 12, 40), (date(2026, 2, 27), 18, 15),
                  (date(2026, 3, 3), 8, 50), (date(2026, 3, 7), 20, 10), (date(2026, 3, 11), 13, 30))
# The copypasta campaign: private people paste one comment within three hours on the eve of the vote.
COPYPASTA_DAY = date(2026, 3, 13)
COPYPASTA_TEXT = ("100 % поддерживаем Азамата Бекболотова! Только он наведёт порядок в стране, "
                  "все на выборы 15 марта!")
COPYPASTA_GROUP = ("2166554433", "Азамат Бекболотов — обсуждение")  # a Telegram discussion group


def network_account_id(platform: str, handle: str, given: str) -> str:
    """A network account's platform id: the registered actor's own id, else the one given."""
    if given:
        return given
    actor = next(a for a in CAST if a.handle.replace(".", "_") == handle or a.handle == handle)
    return actor.ids[platform]
