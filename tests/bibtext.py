"""LaTeX field text back to Unicode with pylatexenc, an independent LaTeX reader (test helper)."""

from __future__ import annotations

import re

from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec
from pylatexenc.latex2text import get_default_latex_context_db as text_context
from pylatexenc.latexwalker import LatexWalker
from pylatexenc.latexwalker import get_default_latex_context_db as walker_context
from pylatexenc.macrospec import MacroSpec

_TEXT = text_context()
_TEXT.add_context_category(
    "textcomp",
    prepend=True,
    macros=[
        MacroTextSpec(name, text)
        for name, text in [
            ("textless", "<"),
            ("textgreater", ">"),
            ("textbar", "|"),
            ("textasciicircum", "^"),
            ("textasciitilde", "~"),
            ("vphantom", ""),
            ("url", "%s"),
        ]
    ],
)
_WALK = walker_context()
_WALK.add_context_category(
    "phantom", prepend=True, macros=[MacroSpec("vphantom", "{"), MacroSpec("url", "{")]
)
_CONVERTER = LatexNodes2Text(latex_context=_TEXT, math_mode="text")


def latex_to_text(latex: str) -> str:
    """What a reader of the typeset field sees, as Unicode."""
    nodes = LatexWalker(latex, latex_context=_WALK, tolerant_parsing=False).get_latex_nodes()[0]
    text = _CONVERTER.nodelist_to_text(nodes)
    return re.sub(r"[ \t]*\n[ \t]*", "\n", text)
