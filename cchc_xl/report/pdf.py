"""LibreOffice headless helper: recalculate a workbook (formulas get cached
values, readable with ``openpyxl(data_only=True)``) and convert documents to
PDF.  Every run uses a private user profile in a temporary folder, so parallel
runs never clash and the user's own LibreOffice settings are not touched.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from cchc_xl.core.findings import catalog
from cchc_xl.files.safeio import atomic_path

ENV_SOFFICE = "CCHC_SOFFICE"          # explicit path to soffice, if set
DEFAULT_TIMEOUT = 180.0               # seconds

_CANDIDATES = (
    r"C:\Program Files\LibreOffice\program\soffice.exe",
    r"C:\Program Files (x86)\LibreOffice\program\soffice.exe",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    "/usr/bin/soffice",
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/snap/bin/libreoffice",
)

# Profile settings: always recalculate formulas when loading xlsx/ods files
# (LibreOffice's default for Excel files is "never recalculate").
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse"><value>false</value></prop></item>
</oor:items>
"""

_XLSX_FILTER = "xlsx:Calc MS Excel 2007 XML"


def find_soffice() -> str | None:
    """Path of the LibreOffice ``soffice`` program, or ``None`` if not installed."""
    explicit = os.environ.get(ENV_SOFFICE)
    if explicit and Path(explicit).is_file():
        return explicit
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return next((c for c in _CANDIDATES if Path(c).is_file()), None)


def recalculate(xlsx_path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
                timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Open ``xlsx_path`` in LibreOffice, recalculate and save it as xlsx in ``out_dir``.

    Returns the new file, named like the source; the source is never modified (when
    ``out_dir`` is the source's own folder the result is ``<stem>_tinh_lai.xlsx``).
    """
    src = Path(xlsx_path)
    out = Path(out_dir)
    target = out / src.name
    if target.resolve() == src.resolve():
        target = out / f"{src.stem}_tinh_lai{src.suffix}"
    return _convert(src, target, _XLSX_FILTER, timeout=timeout)


def to_pdf(path: str | os.PathLike[str], out_dir: str | os.PathLike[str], *,
           timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Convert a document (docx, xlsx, odt...) to ``out_dir/<stem>.pdf``."""
    src = Path(path)
    return _convert(src, Path(out_dir) / f"{src.stem}.pdf", "pdf", timeout=timeout)


def _convert(src: Path, target: Path, convert_to: str, *, timeout: float) -> Path:
    soffice = find_soffice()
    if soffice is None:
        raise catalog.NO_SOFFICE.error(env=ENV_SOFFICE, file=src.name)
    if not src.is_file():
        raise catalog.NO_SOURCE_FILE.error(file=str(src))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="cchc_lo_") as tmp:
        tmp_path = Path(tmp)
        profile = _make_profile(tmp_path / "profile")
        work = tmp_path / "out"
        work.mkdir()
        cmd = [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
               "--invisible", "--norestore", "--nologo", "--nolockcheck", "--nodefault",
               "--convert-to", convert_to, "--outdir", str(work), str(src.resolve())]
        output = _run(cmd, timeout, src)
        produced = work / (src.stem + target.suffix)
        if not produced.is_file():
            raise catalog.SOFFICE_NO_OUTPUT.error(output=f": {output.strip()[-300:]}" if output.strip() else "",
                                                  file=src.name)
        with atomic_path(target) as tmp_target:   # an existing PDF is replaced only when complete
            shutil.copyfile(produced, tmp_target)
    return target


def _make_profile(path: Path) -> Path:
    user = path / "user"
    user.mkdir(parents=True)
    (user / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    return path


def _run(cmd: list[str], timeout: float, src: Path) -> str:
    """Run soffice in its own process group; kill the whole group on timeout."""
    env = dict(os.environ)
    env.setdefault("SAL_USE_VCLPLUGIN", "svp")   # no display needed
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                            start_new_session=os.name != "nt")
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill(proc)
        raise catalog.SOFFICE_TIMEOUT.error(seconds=f"{timeout:.0f}", file=src.name) from None
    text = out.decode("utf-8", "replace") if out else ""
    if proc.returncode != 0:
        raise catalog.SOFFICE_FAILED.error(returncode=proc.returncode, output=text.strip()[-300:],
                                           file=src.name)
    return text


def _kill(proc: subprocess.Popen) -> None:
    try:
        if os.name != "nt":
            os.killpg(proc.pid, signal.SIGKILL)
        else:  # pragma: no cover - Windows
            proc.kill()
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()
