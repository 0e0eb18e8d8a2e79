"""The committed JSON Schemas in schemas/ match the pydantic models."""

import json
from pathlib import Path

from cchc_xl.files.schemas_export import generate

ROOT = Path(__file__).resolve().parents[1]


def test_committed_schemas_are_up_to_date():
    generated = generate()
    assert "plan.schema.json" in generated and "task.schema.json" in generated
    stale = []
    for name, text in generated.items():
        committed = ROOT / "schemas" / name
        if not committed.exists() or committed.read_text(encoding="utf-8") != text:
            stale.append(name)
    assert not stale, f"Chạy 'cchc-xl so-do' để cập nhật: {stale}"


def test_task_schema_lists_vietnamese_status_values():
    schema = json.loads(generate()["task.schema.json"])
    status = schema["$defs"]["Status"]["enum"]
    assert "Đã hoàn thành" in status and "Quá hạn" not in status
