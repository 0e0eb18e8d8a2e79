"""Why a file could not be read or written, in Vietnamese: the ``why`` of the catalogue
messages that report an exception ("Không mở được sổ tổng hợp ({why})", "Tệp bị hỏng,
không đọc được ({why})"...).  An official reads the reason, never a Python class name
("KeyError", "ZipError") nor the operating system's English text ("Permission denied").

Pure: exceptions are told apart by their class (standard library) or by the name of
their class (python-calamine, lxml, pydantic), nothing is imported from those packages.
"""

from __future__ import annotations

import errno
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

DAMAGED_ZIP = "tệp nén bị cắt cụt hoặc hỏng, có thể tải về hay chép chưa hết"
MISSING_PART = "thiếu phần nội dung của sổ Excel bên trong tệp"
DAMAGED_XML = "nội dung bảng tính bên trong tệp bị hỏng"
BAD_TEXT = "có ký tự không đọc được"
TOO_BIG = "tệp quá lớn, không đủ bộ nhớ để đọc"
PASSWORD = "tệp được đặt mật khẩu"
NOT_XLSX = "cấu trúc tệp không đúng dạng tệp Excel .xlsx"
BAD_DATA = "dữ liệu không đúng dạng"

_OS_REASONS = {
    errno.ENOENT: "không tìm thấy tệp",
    errno.EACCES: "không có quyền đọc/ghi tệp",
    errno.EPERM: "không có quyền đọc/ghi tệp",
    errno.EISDIR: "đây là thư mục, không phải tệp",
    errno.ENOSPC: "ổ đĩa đầy",
    errno.EROFS: "ổ đĩa/thư mục chỉ đọc",
    errno.EIO: "lỗi đọc/ghi ổ đĩa",
    errno.EBUSY: "tệp đang bị chương trình khác sử dụng",
    errno.ENAMETOOLONG: "tên tệp quá dài",
}


def os_reason(exc: OSError) -> str:
    """The reason of an ``OSError`` (its English ``strerror`` is not shown)."""
    if isinstance(exc, PermissionError):
        return _OS_REASONS[errno.EACCES]
    if isinstance(exc, FileNotFoundError):
        return _OS_REASONS[errno.ENOENT]
    known = _OS_REASONS.get(exc.errno) if exc.errno is not None else None
    return known or (f"lỗi hệ điều hành khi đọc/ghi tệp (mã {exc.errno})" if exc.errno
                     else "lỗi hệ điều hành khi đọc/ghi tệp")


def why_unreadable(exc: BaseException) -> str:
    """Why a workbook (or another file) could not be read, for an official."""
    name = type(exc).__name__
    if isinstance(exc, MemoryError):
        return TOO_BIG
    if name == "PasswordError":
        return PASSWORD
    # zipfile's and zlib's errors known by their module (the core imports no file library)
    if isinstance(exc, EOFError) or name in ("ZipError", "LargeZipFile") or any(
            c.__module__ in ("zipfile", "zlib") for c in type(exc).__mro__):
        return DAMAGED_ZIP
    if isinstance(exc, KeyError) or name in ("WorksheetNotFound",):
        return MISSING_PART
    if isinstance(exc, (ParseError, ExpatError)) or name in ("XmlError", "XMLSyntaxError"):
        return DAMAGED_XML
    if isinstance(exc, UnicodeError):
        return BAD_TEXT
    if isinstance(exc, OSError):
        return os_reason(exc)
    return NOT_XLSX


def why_bad_data(exc: BaseException) -> str:
    """Why a stored record (JSON text of a cell) could not be read: the parsers' texts
    (json, pydantic, ``date.fromisoformat``) are English, so one plain reason."""
    return BAD_DATA
