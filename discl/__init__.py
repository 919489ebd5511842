"""discl — read Chinese government information-disclosure annual reports into tidy, checked tables.

>>> import discl
>>> sorted(n for n in discl.__all__)
['Corpus', 'DocumentError', 'ReadSettings', 'Report', 'flagged', 'load', 'read_report', 'wide_table']
"""
from .api import Corpus, Report, flagged, load, read_report, wide_table
from .errors import DocumentError
from .settings import ReadSettings

__all__ = ["Corpus", "DocumentError", "ReadSettings", "Report", "flagged", "load", "read_report", "wide_table"]
__version__ = "0.1.0"
