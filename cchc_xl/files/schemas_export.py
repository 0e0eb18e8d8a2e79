"""JSON Schemas of the data exchanged with other tools (committed in schemas/).

``cchc-xl so-do`` regenerates them; a test fails when a committed schema is stale.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from pydantic import BaseModel

from cchc_xl.core import models

# name -> "module:Class"; optional entries are skipped when the module is absent.
SCHEMA_MODELS: dict[str, str] = {
    "plan": "cchc_xl.core.models:Plan",
    "task": "cchc_xl.core.models:Task",
    "unit": "cchc_xl.core.models:Unit",
    "index_area": "cchc_xl.core.models:IndexArea",
    "index_criterion": "cchc_xl.core.models:IndexCriterion",
    "remediation_item": "cchc_xl.core.models:RemediationItem",
    "finding": "cchc_xl.core.models:Finding",
    "criteria_set": "cchc_xl.core.criteria:CriteriaSet",
    "deadline": "cchc_xl.core.models:Deadline",
    "smtp_settings": "cchc_xl.mail.mailer:SmtpSettings",
    "reporting_period": "cchc_xl.core.periods:ReportingPeriod",
    "quarterly_report": "cchc_xl.report.data:QuarterlyReport",
}


def _load(ref: str) -> type[BaseModel] | None:
    module, _, name = ref.partition(":")
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError:
        return None
    cls = getattr(mod, name, None)
    return cls if isinstance(cls, type) and issubclass(cls, BaseModel) else None


def generate() -> dict[str, str]:
    """File name -> JSON text, for every model that exists."""
    out: dict[str, str] = {}
    for name, ref in SCHEMA_MODELS.items():
        cls = _load(ref)
        if cls is None:
            continue
        schema = cls.model_json_schema()
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"cchc_xl/{name}.schema.json"
        out[f"{name}.schema.json"] = json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    return out


def write(directory: str | Path) -> list[Path]:
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    paths = []
    for fname, text in generate().items():
        p = d / fname
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


__all__ = ["SCHEMA_MODELS", "generate", "write", "models"]
