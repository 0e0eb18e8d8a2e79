"""Shared test configuration.

Tests marked ``libreoffice`` need LibreOffice headless (``soffice``); they are
skipped with a clear reason where it is not installed.  In CI (CI=true) a
missing LibreOffice is an error instead, so the real-spreadsheet checks can't
silently vanish.

``template`` / ``env``: the round-trip fixture plan as a master split into unit workbooks
(``period_env``), built once per test module, copied for each test; a module that defines
its own fixtures of these names uses those instead.
"""

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from period_env import build_template, copy_env, fixture_plan


@pytest.fixture()
def clock(monkeypatch):
    """Snapshot moments and "today" of chot-ky / bao-cao under the test's control (each call of
    ``now`` one minute later, from 16/03/2025 08:00; set ``clock["now"]`` to move it)."""
    from cchc_xl.cli import period as cli_period
    from cchc_xl.cli import report as cli_report

    state = {"now": dt.datetime(2025, 3, 16, 8, 0, 0)}

    def now() -> dt.datetime:
        state["now"] += dt.timedelta(minutes=1)
        return state["now"]

    monkeypatch.setattr(cli_period, "now", now)
    monkeypatch.setattr(cli_report, "now", now)
    return state


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Master + unit workbooks of the fixture plan, built once per test module."""
    return build_template(tmp_path_factory.mktemp("template"), fixture_plan())


@pytest.fixture()
def env(template: Path, tmp_path: Path) -> dict[str, Path]:
    """A fresh copy of ``template`` (see ``period_env.copy_env``)."""
    return copy_env(template, tmp_path)


def pytest_collection_modifyitems(config, items):
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI cần LibreOffice (soffice) để chạy các kiểm thử đánh dấu 'libreoffice'")
    skip = pytest.mark.skip(reason="LibreOffice (soffice) chưa được cài")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)
