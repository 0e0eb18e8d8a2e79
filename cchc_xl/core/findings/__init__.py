"""One vocabulary for every message the tool shows: a catalogue of finding types.

Each ``FindingType`` has a stable ``code``, a ``severity``, a short Vietnamese
``title`` and a Vietnamese ``template`` with named parameters (``{cell}``,
``{value}``...).  Checks never write message text inline: they call the type
with the parameters and the location, and get a ``Finding`` whose message is
the filled template.  The CLI, the buttons, Nhật ký and reports all print
``str(finding)``, so an official sees the same words everywhere.

Public API
----------
``FindingType(code, severity, title, template)``  - declare a type (registers it).
``ftype(**params, file=, sheet=, cell=, task_id=)`` - a ``Finding``.
``ftype.error(**params, file=, ...)``              - a ``CchcError`` to raise.
``get(code)`` / ``catalogue()``                    - look-up, for docs and tests.

The domain modules (``files``, ``workbook``, ``tasks``, ``index``, ``returns``,
``mail``, ``report``, ``config``, ``security``...) declare the types of their area;
importing this package loads them all.
"""

from cchc_xl.core.findings.base import FindingType, catalogue, get
from cchc_xl.core.findings import catalog  # noqa: F401  (declares every type)

__all__ = ["FindingType", "catalogue", "catalog", "get"]
