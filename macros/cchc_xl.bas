Attribute VB_Name = "cchc_xl"
' =============================================================================
' cchc_xl - cac nut bam cua So tong hop theo doi cai cach hanh chinh (CCHC)
'
' Moi nut goi mot ham Python trong goi cchc_xl qua xlwings (RunPython).
' Can: Python + goi cchc_xl da cai, add-in xlwings (hoac module VBA "xlwings"
' trong so nay). Xem huong dan: docs/CAI_DAT_WINDOWS.md
'
' Ghi chu: tep nay co y viet tieng Viet KHONG DAU. Trinh soan thao VBA luu ma
' nguon theo bang ma ANSI cua Windows nen chu co dau se bi loi phong chu. Cac
' thong bao cho nguoi dung (co dau day du) do Python hien thi.
' =============================================================================
Option Explicit

' Nut "Kiem tra": kiem tra so lieu cua so, liet ke loi o trang "Ket qua kiem tra"
Public Sub KiemTra()
    RunPython "import cchc_xl.xl.buttons as b; b.btn_kiem_tra()"
End Sub

' Nut "Tao phieu": tao moi don vi mot tep phieu (thu muc ghi o o "Thu muc phieu don vi")
Public Sub TaoPhieu()
    RunPython "import cchc_xl.xl.buttons as b; b.btn_tao_phieu()"
End Sub

' Nut "Tong hop": doc cac phieu don vi gui lai (thu muc ghi o o "Thu muc phieu nhan ve")
' va cap nhat vao so dang mo; xem lai roi bam Luu (Ctrl+S)
Public Sub TongHop()
    RunPython "import cchc_xl.xl.buttons as b; b.btn_tong_hop()"
End Sub

' Nut "Phan hoi": tra phieu co o bi tu choi ve don vi (trang "Phan hoi", o to do)
Public Sub PhanHoi()
    RunPython "import cchc_xl.xl.buttons as b; b.btn_phan_hoi()"
End Sub

' Nut "Bao cao quy": lap trang "Bao cao quy" va ban du thao Word (thu muc "bao_cao")
Public Sub BaoCaoQuy()
    RunPython "import cchc_xl.xl.buttons as b; b.btn_bao_cao_quy()"
End Sub

' Nut "Nhap khac phuc": chon tep Ke hoach khac phuc (.docx, .txt, .md) va nhap vao trang
' "Khac phuc" cua so dang mo; xem lai roi bam Luu (Ctrl+S)
Public Sub NhapKhacPhuc()
    RunPython "import cchc_xl.xl.buttons as b; b.btn_nhap_khac_phuc()"
End Sub

' Nut "Nhap chi so": chon tep ket qua Chi so CCHC (bang .xlsx/.csv/.tsv hoac van ban)
' va nhap vao trang "Chi so CCHC" cua so dang mo
Public Sub NhapChiSo()
    RunPython "import cchc_xl.xl.buttons as b; b.btn_nhap_chi_so()"
End Sub

' Nap lai cac ham =CCHC_... (chay sau khi cai dat hoac cap nhat cchc_xl)
' Trang "xlwings.conf" can co dong: UDF Modules | cchc_xl.xl.udfs
Public Sub NapHamCCHC()
    ImportPythonUDFs
End Sub
