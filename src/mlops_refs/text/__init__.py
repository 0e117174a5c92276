"""Text codecs, each escape beside its inverse: LaTeX (``latex``), XML (``xml``) and bookmark HTML (``html``).

Writers escape through these modules and readers decode through them, so that what one side writes the
other reads back; no format module escapes or unescapes on its own.
"""
