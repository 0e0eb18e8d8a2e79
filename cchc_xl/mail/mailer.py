"""E-mail the unit workbooks to the departments (stdlib ``email`` + ``smtplib``): the public face
of ``cchc_xl.mail``, whose parts are ``compose`` (addresses, messages, ``.eml`` drafts),
``attachments`` (which unit a workbook is for) and ``smtp`` (sending, settings).

* ``compose_unit_email``  - one Vietnamese message (text + HTML) with the unit workbook attached.
* ``match_attachments``   - pair unit workbooks with units (``_meta`` sheet or file name code).
* ``write_drafts``        - ``.eml`` drafts (``X-Unsent: 1``: Outlook opens them ready to send).
* ``send_messages``       - real sending over one SMTP connection, per-message results.
* ``SmtpSettings``        - SMTP settings read from a small config file.

Config file (``cau_hinh_thu.toml``; ``.ini``/``.cfg`` and ``.json`` are read too), keys in
English or Vietnamese without diacritics, optionally inside an ``[smtp]`` table/section::

    [smtp]
    may_chu = "smtp.gmail.com"      # host
    cong = 587                      # port (default: 587 starttls, 465 ssl, 25 none)
    bao_mat = "starttls"            # security: starttls | ssl | none
    ten_dang_nhap = "vanphong.quangson@gmail.com"   # username
    nguoi_gui = "vanphong.quangson@gmail.com"       # sender (From)
    tra_loi = ""                    # reply_to (optional)
    thoi_gian_cho = 30              # timeout, seconds

The password is best kept out of the file: set ``CCHC_SMTP_PASSWORD`` (and optionally
``CCHC_SMTP_USER``) in the environment, or type it when asked.
"""

from __future__ import annotations

from email.message import EmailMessage, Message

from cchc_xl.mail.attachments import (IssuedBy, UnitFile, WorkbookTag, match_attachments, other_units_files,
                                      read_unit_tag, unit_email_cells)
from cchc_xl.mail.compose import (AddressError, DRAFTS_DIR_NAME, HEADER_PERIOD, HEADER_UNIT, XLSX_MAINTYPE,
                                  XLSX_SUBTYPE, add_workbook, compose_unit_email, draft_bytes, draft_file_name,
                                  is_valid_email, issuer_of, message_recipients, new_unit_message, parse_recipients,
                                  retire_drafts, write_drafts)
from cchc_xl.mail.smtp import (CONFIG_NAMES, DEFAULT_PORTS, ENV_PASSWORD, ENV_USER, Security, SendReport, SendResult,
                               SmtpFailure, SmtpSettings, explain_smtp_error, find_settings_file, send_messages)

__all__ = ["AddressError", "CONFIG_NAMES", "DEFAULT_PORTS", "DRAFTS_DIR_NAME", "ENV_PASSWORD", "ENV_USER",
           "EmailMessage", "HEADER_PERIOD", "HEADER_UNIT", "IssuedBy", "Message", "Security", "SendReport",
           "SendResult", "SmtpFailure", "SmtpSettings", "UnitFile", "WorkbookTag", "XLSX_MAINTYPE", "XLSX_SUBTYPE",
           "add_workbook", "compose_unit_email", "draft_bytes", "draft_file_name", "explain_smtp_error",
           "find_settings_file", "is_valid_email", "issuer_of", "match_attachments", "message_recipients",
           "new_unit_message", "other_units_files", "parse_recipients", "read_unit_tag", "retire_drafts",
           "send_messages", "unit_email_cells", "write_drafts"]
