"""The payments domain: pure Python, no I/O and no framework imports."""
