"""cchc_xl - theo dõi Kế hoạch cải cách hành chính cấp xã trong Excel."""

__version__ = "0.1.0"
