"""Excel add-in (xlwings): UDFs, button handlers and the optional web server.

* ``book_io``  - read the open workbook into ``MasterData`` and write cells back,
  only through the xlwings ``Book`` API (desktop Excel, or a JSON book from
  Office.js / Office Scripts).
* ``udfs``     - ``=CCHC_...`` worksheet functions.
* ``buttons``  - the handlers behind the buttons (Kiểm tra, Tạo phiếu, Tổng hợp,
  Báo cáo quý) and their zero-argument VBA entries ``btn_*``.
* ``server``   - FastAPI endpoints serving the same handlers to a JSON client.
"""
