"""What comes out: the roster workbook and reading it back, calendars, the
assignments CSV, coverage figures and why places stay open."""
