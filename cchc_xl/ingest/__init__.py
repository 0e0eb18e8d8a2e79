"""Bringing a commune's own documents into the master (parse with importers, write like roundtrip)."""
