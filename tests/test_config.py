"""Config.save keeps what it does not manage: the user's [collect] table, unknown tables and keys."""

from __future__ import annotations

import tomllib
from datetime import date

from shailoo.config import CONFIG_NAME, Config, Period

USER_TOML = """[project]
name = "Шайлоо 2026"
timezone = "Asia/Bishkek"
languages = ["ru", "ky"]
description = "a key shailoo does not know"

[collect]
reading_ages = ["24h", "72h", "7d"]
youtube_daily_units = 20000
archive_days = 14

[my_team]
lead = "Айгүл"
nested = { a = 1, b = [1, 2] }

[[periods]]
name = "campaign"
start = 2026-01-01
end = 2026-01-31
"""


def test_save_keeps_tables_and_keys_it_does_not_manage(tmp_path):
    (tmp_path / CONFIG_NAME).write_text(USER_TOML, encoding="utf-8")
    config = Config.load(tmp_path)
    config.periods.append(Period("pre-campaign", date(2025, 12, 1), date(2025, 12, 31)))
    config.timezone = "Asia/Almaty"
    config.save(tmp_path)
    saved = tomllib.loads((tmp_path / CONFIG_NAME).read_text(encoding="utf-8"))
    assert saved["collect"] == {"reading_ages": ["24h", "72h", "7d"], "youtube_daily_units": 20000, "archive_days": 14}
    assert saved["my_team"] == {"lead": "Айгүл", "nested": {"a": 1, "b": [1, 2]}}
    assert saved["project"]["description"] == "a key shailoo does not know"
    assert saved["project"]["timezone"] == "Asia/Almaty"  # what it manages is its own
    assert [p["name"] for p in saved["periods"]] == ["campaign", "pre-campaign"]
    assert Config.load(tmp_path).periods[1].start == date(2025, 12, 1)


def test_save_keeps_what_the_user_added_after_loading(tmp_path):
    Config("t").save(tmp_path)
    config = Config.load(tmp_path)
    with open(tmp_path / CONFIG_NAME, "a", encoding="utf-8") as fh:  # edited by hand while a command runs
        fh.write('\n[collect]\narchive_days = 7\n')
    config.periods = []
    config.save(tmp_path)
    saved = tomllib.loads((tmp_path / CONFIG_NAME).read_text(encoding="utf-8"))
    assert saved["collect"] == {"archive_days": 7} and "periods" not in saved


def test_periods_add_keeps_the_collect_table(tmp_path, runner):
    from shailoo.cli.main import app
    from shailoo.store.workspace import init_workspace

    ws = init_workspace(tmp_path / "ws", project="t")
    ws.close()
    path = tmp_path / "ws" / CONFIG_NAME
    path.write_text(path.read_text(encoding="utf-8") + '\n[collect]\nyoutube_daily_units = 50000\n', encoding="utf-8")
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "periods", "add", "campaign", "2026-01-01", "2026-01-31"])
    assert result.exit_code == 0, result.output
    saved = tomllib.loads(path.read_text(encoding="utf-8"))
    assert saved["collect"] == {"youtube_daily_units": 50000} and saved["periods"][0]["name"] == "campaign"
