"""Test helper: give a master workbook what an official adds in Excel.

``graft(master, donors, out)`` copies the first sheet of each Excel-saved donor
workbook (tests/fixtures/excel_saved) into the master package as an extra sheet,
with everything hanging off it - drawings, pictures, charts, text boxes, comments,
form-control buttons, header images, printer settings - and, from a .xlsm donor, the
VBA project.  Extra defined names (a global name and a print area of a grafted
sheet) are added too.  The parts are copied byte for byte, so a test can check that
a command kept each of them byte-identical (``grafted_parts``).
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from pathlib import Path

from cchc_xl.files.xlsx_patch import sheet_parts

FIXTURES = Path(__file__).parent / "fixtures" / "excel_saved"
VBA_TYPE = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
SHEET_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
ADDED_NAMES = {"CanBo_GhiChu": "'Tổng quan'!$C$4"}


def _rels_path(part: str) -> str:
    folder, _, base = part.rpartition("/")
    return f"{folder}/_rels/{base}.rels"


def _targets(z: zipfile.ZipFile, part: str) -> list[tuple[str, str]]:
    """(raw target, absolute part) of the internal relationships of ``part``."""
    rels = _rels_path(part)
    if rels not in z.namelist():
        return []
    out = []
    for m in re.finditer(r'<Relationship\b[^>]*?>', z.read(rels).decode("utf-8")):
        tag = m.group(0)
        if 'TargetMode="External"' in tag:
            continue
        t = html.unescape(re.search(r'Target="([^"]*)"', tag).group(1))
        absolute = t.lstrip("/") if t.startswith("/") else posixpath.normpath(
            posixpath.join(posixpath.dirname(part), t))
        out.append((t, absolute))
    return out


def _closure(z: zipfile.ZipFile, part: str) -> list[str]:
    seen: list[str] = []
    todo = [part]
    while todo:
        p = todo.pop()
        if p in seen or p not in z.namelist():
            continue
        seen.append(p)
        todo.extend(a for _, a in _targets(z, p))
    return seen


def _inline_strings(sheet_xml: str, donor: zipfile.ZipFile) -> str:
    if "xl/sharedStrings.xml" not in donor.namelist():
        return sheet_xml
    sst = donor.read("xl/sharedStrings.xml").decode("utf-8")
    items = ["".join(re.findall(r"<t[^>]*>([^<]*)</t>", si)) for si in re.findall(r"<si>(.*?)</si>", sst, re.S)]

    def repl(m: re.Match[str]) -> str:
        attrs = m.group(1).replace('t="s"', 't="inlineStr"')
        return f"<c{attrs}><is><t>{items[int(m.group(2))]}</t></is></c>"

    return re.sub(r'<c\b([^>]*\bt="s"[^>]*)><v>(\d+)</v></c>', repl, sheet_xml)


def graft(master: Path, donors: list[str], out: Path, *, names: bool = True) -> dict[str, bytes]:
    """Write ``out``: ``master`` plus the first sheet of each donor (named "Thêm 1", "Thêm 2"...).

    Returns {part name in ``out``: bytes} of every grafted part (compare after a command).
    """
    mz = zipfile.ZipFile(master)
    files = {n: mz.read(n) for n in mz.namelist()}
    ct = files["[Content_Types].xml"].decode("utf-8")
    wbx = files["xl/workbook.xml"].decode("utf-8")
    wrels = files["xl/_rels/workbook.xml.rels"].decode("utf-8")
    grafted: dict[str, bytes] = {}
    sheet_count = len(sheet_parts(mz))
    for k, donor_name in enumerate(donors, start=1):
        dz = zipfile.ZipFile(FIXTURES / donor_name)
        dct = dz.read("[Content_Types].xml").decode("utf-8")
        first = next(iter(sheet_parts(dz).values()))
        parts = _closure(dz, first)
        rename = {p: posixpath.join(posixpath.dirname(p), f"g{k}_{posixpath.basename(p)}") for p in parts}
        for p in parts:
            data = dz.read(p)
            if p == first:
                data = _inline_strings(data.decode("utf-8"), dz).encode("utf-8")
            files[rename[p]] = data
            grafted[rename[p]] = data
            rels = _rels_path(p)
            if rels in dz.namelist():
                text = dz.read(rels).decode("utf-8")
                for raw, absolute in _targets(dz, p):
                    if absolute in rename:
                        new = posixpath.relpath(rename[absolute], posixpath.dirname(p))
                        text = text.replace(f'Target="{raw}"', f'Target="{new}"')
                files[_rels_path(rename[p])] = text.encode("utf-8")
                grafted[_rels_path(rename[p])] = text.encode("utf-8")
            m = re.search(rf'<Override PartName="/{re.escape(p)}" ContentType="([^"]+)"/>', dct)
            if m:
                ct = ct.replace("</Types>", f'<Override PartName="/{rename[p]}" ContentType="{m.group(1)}"/></Types>')
        for m in re.finditer(r'<Default Extension="([^"]+)" ContentType="([^"]+)"/>', dct):
            if f'Extension="{m.group(1)}"' not in ct:
                ct = ct.replace("<Override", f'<Default Extension="{m.group(1)}" ContentType="{m.group(2)}"/><Override', 1)
        rid = f"rIdG{k}"
        sheet_count += 1
        wrels = wrels.replace("</Relationships>", f'<Relationship Id="{rid}" Type="{SHEET_TYPE}" '
                                                  f'Target="/{rename[first]}"/></Relationships>')
        wbx = wbx.replace("</sheets>", f'<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
                                       f'2006/relationships" name="Thêm {k}" sheetId="{100 + k}" '
                                       f'r:id="{rid}"/></sheets>')
        if "xl/vbaProject.bin" in dz.namelist() and "xl/vbaProject.bin" not in files:
            files["xl/vbaProject.bin"] = grafted["xl/vbaProject.bin"] = dz.read("xl/vbaProject.bin")
            wrels = wrels.replace("</Relationships>", f'<Relationship Id="rIdVba" Type="{VBA_TYPE}" '
                                                      'Target="vbaProject.bin"/></Relationships>')
            if 'Extension="bin"' not in ct:
                ct = ct.replace("<Override", '<Default Extension="bin" ContentType="application/'
                                             'vnd.ms-office.vbaProject"/><Override', 1)
            ct = ct.replace(XLSX_MAIN, XLSM_MAIN)
            wbx = re.sub(r"<workbookPr\b[^>]*/>", '<workbookPr codeName="ThisWorkbook"/>', wbx, count=1)
    if names:
        extra = "".join(f'<definedName name="{n}">{html.escape(ref, quote=False)}</definedName>'
                        for n, ref in ADDED_NAMES.items())
        extra += (f'<definedName name="_xlnm.Print_Area" localSheetId="{sheet_count - 1}">'
                  f"'Thêm {len(donors)}'!$A$1:$D$20</definedName>")
        wbx = wbx.replace("</definedNames>", extra + "</definedNames>") if "</definedNames>" in wbx else \
            wbx.replace("</sheets>", f"</sheets><definedNames>{extra}</definedNames>")
    files["[Content_Types].xml"] = ct.encode("utf-8")
    files["xl/workbook.xml"] = wbx.encode("utf-8")
    files["xl/_rels/workbook.xml.rels"] = wrels.encode("utf-8")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, data in files.items():
            zout.writestr(name, data)
    return grafted


def defined_names(path: Path) -> dict[str, str]:
    wbx = zipfile.ZipFile(path).read("xl/workbook.xml").decode("utf-8")
    return {html.unescape(m.group(1)) + (f"@{m.group(2)}" if m.group(2) else ""): html.unescape(m.group(3))
            for m in re.finditer(r'<definedName name="([^"]+)"(?: localSheetId="(\d+)")?[^>]*>([^<]*)<', wbx)}


def grafted_parts_after(path: Path, grafted: dict[str, bytes]) -> dict[str, str]:
    """{part: "same" / "changed" / "missing"} of the grafted parts in ``path``."""
    z = zipfile.ZipFile(path)
    names = set(z.namelist())
    return {p: ("missing" if p not in names else "same" if z.read(p) == data else "changed")
            for p, data in grafted.items()}
