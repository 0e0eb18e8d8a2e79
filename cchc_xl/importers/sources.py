"""Opening the source files the importers read (.txt, .md, .tsv, .csv, .json, .docx): one way
each, with catalogue errors instead of tracebacks."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from cchc_xl.core.reasons import os_reason
from cchc_xl.core.findings import catalog


def read_text(path: Path, encoding: str = "utf-8-sig") -> str:
    """The text of ``path``: not UTF-8 is ``text_not_utf8``, an OS error ``file_unreadable``."""
    try:
        return path.read_text(encoding=encoding)
    except UnicodeDecodeError:
        raise catalog.TEXT_NOT_UTF8.error(file=path.name) from None
    except OSError as exc:
        raise catalog.FILE_UNREADABLE.error(path=path.name, why=os_reason(exc),
                                            file=path.name) from None


def delimited_rows(text: str, *, comma: bool) -> list[tuple[Any, ...]]:
    """Rows of a tab-separated text, or of a CSV (",", ";" or tab, as the sniffer finds it;
    a single column - nothing to sniff - reads as comma-separated)."""
    if not comma:
        return [tuple(line.split("\t")) for line in text.splitlines()]
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [tuple(r) for r in csv.reader(text.splitlines(), dialect)]


def open_docx(path: Path):
    """The python-docx ``Document`` of ``path``; a damaged package is ``bad_document``."""
    import docx

    try:
        return docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for damaged packages
        raise catalog.BAD_DOCUMENT.error(name=path.name, kind="Word (.docx)", file=path.name) from exc
