"""The team's words and identity for the report: `<workspace>/report/report.yaml` and the
Markdown files beside it (introduction, findings, notes per section, about the organisations),
and a logo image.

Everything here is written by the team, but it is still read defensively: sizes are bounded,
files must lie inside the report folder, the logo must really be a PNG, JPEG or a plain SVG
(an SVG with script, event handlers, external references or entities is refused), and the
Markdown is rendered with raw HTML disabled (report/markdown.py)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from shailoo.errors import ConfigError, UsageError
from shailoo.report.i18n import LANGUAGES, check_language

FOLDER = "report"
FILE = "report.yaml"
MAX_TEXT = 1_000_000  # bytes of one Markdown file or of report.yaml
MAX_LOGO = 2_000_000
SECTIONS = ("summary", "introduction", "findings", "overview", "platforms", "top_posts", "comparisons", "timeline",
            "results", "channels", "coding", "text", "coordination", "ads", "inflammatory", "extra", "methodology", "about")


@dataclass
class Organisation:
    name: str
    url: str | None = None
    about: str = ""  # Markdown


@dataclass
class ExtraSection:
    """A section only the team can write (ad library, disinformation cases), placed before the methodology."""
    title: str
    text: str  # Markdown


@dataclass
class ReportConfig:
    title: str | None = None
    subtitle: str | None = None
    language: str | None = None
    organisations: list[Organisation] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    logo_uri: str | None = None  # data: URI of a checked image
    introduction: str = ""
    findings: str = ""
    notes: dict[str, str] = field(default_factory=dict)  # section id -> Markdown shown under its title
    sections: tuple[str, ...] = SECTIONS
    extra: list[ExtraSection] = field(default_factory=list)
    key_terms: list[str] = field(default_factory=list)
    key_terms_topic: str = "politics_elections"
    top_posts: int = 5


def report_folder(ws) -> Path:
    return Path(ws.path) / FOLDER


def load_config(ws) -> ReportConfig:
    """The workspace's report configuration, or the defaults when it has none."""
    folder = report_folder(ws)
    path = folder / FILE
    if not path.is_file():
        return ReportConfig()
    data = yaml.safe_load(_read_text(path, folder)) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must be a mapping of settings (title: …, introduction: …).")
    return _from_dict(data, folder, path)


def _read_text(path: Path, folder: Path) -> str:
    real = path.resolve()
    if folder.resolve() not in real.parents:
        raise ConfigError(f"{path} lies outside {folder}; keep the report's files in that folder.")
    try:
        if real.stat().st_size > MAX_TEXT:
            raise ConfigError(f"{path} is larger than {MAX_TEXT // 1_000_000} MB; shorten it.")
        return real.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text; save it as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read {path} ({exc.strerror or exc}).") from None


def _markdown(value, folder: Path, key: str, path: Path) -> str:
    """Inline Markdown, or the name of a .md file in the report folder."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ConfigError(f"{path}: '{key}' must be text (Markdown) or the name of a .md file.")
    if value.strip().endswith(".md") and "\n" not in value.strip():
        return _read_text(folder / value.strip(), folder)
    return value


def _text(value, key: str, path: Path) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise ConfigError(f"{path}: '{key}' must be text.")
    return str(value)[:500]


def _from_dict(data: dict, folder: Path, path: Path) -> ReportConfig:
    cfg = ReportConfig()
    known = {"title", "subtitle", "language", "organisations", "authors", "logo", "introduction", "findings",
             "notes", "sections", "extra_sections", "key_terms", "key_terms_topic", "top_posts"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(map(str, unknown))}; "
                          f"known: {', '.join(sorted(known))}.")
    cfg.title = _text(data.get("title"), "title", path)
    cfg.subtitle = _text(data.get("subtitle"), "subtitle", path)
    if data.get("language") is not None:
        try:
            cfg.language = check_language(str(data["language"]))
        except UsageError:
            raise ConfigError(f"{path}: language must be one of {', '.join(LANGUAGES)}.") from None
    for org in data.get("organisations") or []:
        if isinstance(org, str):
            org = {"name": org}
        if not isinstance(org, dict) or not org.get("name"):
            raise ConfigError(f"{path}: each organisation needs a name (name: …, url: …, about: …).")
        cfg.organisations.append(Organisation(_text(org["name"], "name", path), _text(org.get("url"), "url", path),
                                              _markdown(org.get("about"), folder, "about", path)))
    cfg.authors = [_text(a, "authors", path) for a in (data.get("authors") or [])]
    if data.get("logo"):
        cfg.logo_uri = logo_data_uri(folder / str(data["logo"]), folder)
    cfg.introduction = _markdown(data.get("introduction"), folder, "introduction", path)
    cfg.findings = _markdown(data.get("findings"), folder, "findings", path)
    notes = data.get("notes") or {}
    if not isinstance(notes, dict):
        raise ConfigError(f"{path}: notes must map a section ({', '.join(SECTIONS)} or a platform) to Markdown.")
    cfg.notes = {str(k): _markdown(v, folder, f"notes.{k}", path) for k, v in notes.items()}
    if data.get("sections") is not None:
        chosen = [str(s) for s in data["sections"]]
        bad = [s for s in chosen if s not in SECTIONS]
        if bad:
            raise ConfigError(f"{path}: unknown section(s) {', '.join(bad)}; choose among {', '.join(SECTIONS)}.")
        cfg.sections = tuple(s for s in SECTIONS if s in chosen)  # the reference report's order
    for extra in data.get("extra_sections") or []:
        if not isinstance(extra, dict) or not extra.get("title"):
            raise ConfigError(f"{path}: each extra section needs a title and a text (Markdown or a .md file).")
        cfg.extra.append(ExtraSection(_text(extra["title"], "title", path),
                                      _markdown(extra.get("text"), folder, "text", path)))
    cfg.key_terms = [str(t) for t in (data.get("key_terms") or [])][:10]
    cfg.key_terms_topic = str(data.get("key_terms_topic") or cfg.key_terms_topic)
    top = data.get("top_posts", cfg.top_posts)
    if not isinstance(top, int) or not 1 <= top <= 50:
        raise ConfigError(f"{path}: top_posts must be a whole number from 1 to 50.")
    cfg.top_posts = top
    return cfg


# --- the logo -------------------------------------------------------------------------------------

_SVG_BAD = re.compile(r"<!DOCTYPE|<!ENTITY|<\?xml-stylesheet|<script|<foreignObject|<iframe|<embed|<object|"
                      r"\son[a-z]+\s*=|javascript:|@import|url\(\s*['\"]?(?!#)", re.IGNORECASE)
_SVG_ALLOWED = {"svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text", "tspan",
                "title", "desc", "defs", "lineargradient", "radialgradient", "stop", "clippath", "mask", "use",
                "symbol", "style", "metadata"}


def logo_data_uri(path: Path, folder: Path) -> str:
    """The logo as a data: URI, after checking that it is what it claims to be."""
    real = path.resolve()
    if folder.resolve() not in real.parents:
        raise ConfigError(f"The logo {path} lies outside {folder}; put it in that folder.")
    try:
        data = real.read_bytes()
    except OSError as exc:
        raise ConfigError(f"Cannot read the logo {path} ({exc.strerror or exc}).") from None
    if len(data) > MAX_LOGO:
        raise ConfigError(f"The logo {path} is larger than 2 MB; use a smaller image.")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        mime = "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        mime = "image/jpeg"
    else:
        check_svg(data, path)
        mime = "image/svg+xml"
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def check_svg(data: bytes, path: Path) -> None:
    """Refuse anything but a plain SVG drawing: no script, handlers, entities, external references."""
    import xml.etree.ElementTree as ET

    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"The logo {path} is not a PNG, JPEG or SVG image.") from None
    if _SVG_BAD.search(text):
        raise ConfigError(f"The logo {path} is an SVG with script, event handlers, entities or external "
                          "references; save it as a plain SVG or a PNG.")
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        raise ConfigError(f"The logo {path} is not a PNG, JPEG or well-formed SVG image.") from None
    if root.tag.rsplit("}", 1)[-1] != "svg":
        raise ConfigError(f"The logo {path} is not a PNG, JPEG or SVG image.")
    for el in root.iter():
        tag = el.tag.rsplit("}", 1)[-1].lower()
        if tag not in _SVG_ALLOWED:
            raise ConfigError(f"The logo {path} has an SVG element <{tag}> a logo does not need; "
                              "save it as a plain SVG or a PNG.")
        for name, value in el.attrib.items():
            if name.rsplit("}", 1)[-1] == "href" and not value.startswith("#"):
                raise ConfigError(f"The logo {path} refers to another file or site ({value[:60]}); "
                                  "embed everything in the SVG or use a PNG.")


# --- report init ----------------------------------------------------------------------------------

STARTER = {
    "en": ("""# The report's words and identity (shailoo report). Every setting is optional.
title: "{project}: social media monitoring"
subtitle: "Final report"
language: en              # en, ru or ky (shailoo report --lang overrides it)
organisations:
  - name: "Our organisation"
    url: "https://example.org"
    about: about.md
authors: []
# logo: logo.png          # a PNG, JPEG or plain SVG in this folder
introduction: introduction.md
findings: findings.md
notes: {{}}                # e.g. facebook: "Markdown shown under the Facebook section"
# sections: [summary, introduction, findings, overview, platforms, top_posts, comparisons, results, coding, text, extra, methodology, about]
extra_sections: []        # e.g. - {{title: "Political advertising", text: ads.md}}
key_terms: []             # the words to follow; empty: the most frequent words of the topic below
key_terms_topic: politics_elections
top_posts: 5
""", "Write the introduction here: who monitored what, when and why.\n",
         "- Write the key findings here, one per line.\n", "Write about your organisation here.\n"),
    "ru": ("""# Слова и оформление отчёта (shailoo report). Все настройки необязательны.
title: "{project}: мониторинг социальных сетей"
subtitle: "Итоговый отчёт"
language: ru              # en, ru или ky (shailoo report --lang важнее)
organisations:
  - name: "Наша организация"
    url: "https://example.org"
    about: about.md
authors: []
# logo: logo.png          # PNG, JPEG или простой SVG в этой папке
introduction: introduction.md
findings: findings.md
notes: {{}}                # например facebook: "Текст Markdown под разделом Facebook"
# sections: [summary, introduction, findings, overview, platforms, top_posts, comparisons, results, coding, text, extra, methodology, about]
extra_sections: []        # например - {{title: "Политическая реклама", text: ads.md}}
key_terms: []             # слова для отслеживания; пусто: самые частые слова темы ниже
key_terms_topic: politics_elections
top_posts: 5
""", "Напишите здесь введение: кто, что, когда и зачем отслеживал.\n",
         "- Напишите здесь основные выводы, по одному в строке.\n", "Напишите здесь о своей организации.\n"),
    "ky": ("""# Отчёттун сөздөрү жана жасалгасы (shailoo report). Бардык жөндөөлөр милдеттүү эмес.
title: "{project}: социалдык тармактарга мониторинг"
subtitle: "Жыйынтыктоочу отчёт"
language: ky              # en, ru же ky (shailoo report --lang артыкчылыктуу)
organisations:
  - name: "Биздин уюм"
    url: "https://example.org"
    about: about.md
authors: []
# logo: logo.png          # ушул папкадагы PNG, JPEG же жөнөкөй SVG
introduction: introduction.md
findings: findings.md
notes: {{}}                # мисалы facebook: "Facebook бөлүмүнүн астындагы Markdown текст"
# sections: [summary, introduction, findings, overview, platforms, top_posts, comparisons, results, coding, text, extra, methodology, about]
extra_sections: []        # мисалы - {{title: "Саясий жарнама", text: ads.md}}
key_terms: []             # көзөмөлдөнүүчү сөздөр; бош болсо: төмөнкү теманын эң көп кездешкен сөздөрү
key_terms_topic: politics_elections
top_posts: 5
""", "Кирешени бул жерге жазыңыз: ким, эмнени, качан жана эмне үчүн көзөмөлдөдү.\n",
         "- Негизги жыйынтыктарды бул жерге жазыңыз, ар бирин өз сабына.\n", "Уюмуңуз жөнүндө бул жерге жазыңыз.\n"),
}


def init_config(ws, lang: str = "en") -> list[Path]:
    """Write a starting report configuration; never overwrite a file that exists. Returns the files written."""
    from shailoo.outputs import write_output

    lang = check_language(lang)
    folder = report_folder(ws)
    yaml_text, intro, findings, about = STARTER[lang]
    project = str(ws.config.project).replace('"', "'").replace("\\", "/")
    files = {FILE: yaml_text.format(project=project), "introduction.md": intro, "findings.md": findings,
             "about.md": about}
    written = []
    for name, text in files.items():
        target = folder / name
        if target.exists():
            continue
        write_output(target, text, parents=True)
        written.append(target)
    return written
