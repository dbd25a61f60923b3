"""The published report: the notebooks' exported figures and tables, assembled into HTML, XLSX and PDF.

Rooms, one concern each:

- :mod:`.book`: the sommaire, its pages, their numbered figures and tables;
- :mod:`.markup`: the Markdown of the sources (MyST-style directives and roles);
- :mod:`.typography`: French typography of prose and table cells;
- :mod:`.batch`: the batch's manifest and exports, and whether each is fresh;
- :mod:`.assets`: the figure and table files (SVG, PNG at 300 dpi, CSV, XLSX), ``exports.csv``;
- :mod:`.html` and :mod:`.project_tables`: the pages' HTML; :mod:`.theme`: stylesheet and templates;
- :mod:`.pdf`: the print edition and its PDF (WeasyPrint);
- :mod:`.build`: :func:`build_report`, which runs them in order.
"""

from __future__ import annotations

from .book import REPORT_DIR, load_book, plan_pages, study_context
from .build import ReportResult, build_report
from .errors import ReportError
from .pdf import pdf_available

__all__ = [
    "REPORT_DIR",
    "ReportError",
    "ReportResult",
    "build_report",
    "load_book",
    "pdf_available",
    "plan_pages",
    "study_context",
]
