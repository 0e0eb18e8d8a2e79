"""Shared test configuration.

Tests marked ``libreoffice`` need LibreOffice headless (``soffice``); they are
skipped with a clear reason where it is not installed.  In CI (CI=true) a
missing LibreOffice is an error instead, so the real-spreadsheet checks can't
silently vanish.
"""

import os
import shutil

import pytest


def pytest_collection_modifyitems(config, items):
    if shutil.which("soffice") or shutil.which("libreoffice"):
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI cần LibreOffice (soffice) để chạy các kiểm thử đánh dấu 'libreoffice'")
    skip = pytest.mark.skip(reason="LibreOffice (soffice) chưa được cài")
    for item in items:
        if "libreoffice" in item.keywords:
            item.add_marker(skip)
