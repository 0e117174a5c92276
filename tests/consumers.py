"""Drive real consumer programs (pdflatex, bibtex, biber, pdftotext) in a scratch folder (test helper)."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from conftest import require_program

PREAMBLE = r"""\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{lmodern}
\usepackage{url}
"""


def placeholders(text: str) -> str:
    r"""\DeclareUnicodeCharacter lines for characters pdflatex with T1 fonts has no glyph for.

    Allowed on purpose: scripts other than Latin (Greek, Hebrew, Arabic, CJK), emoji and ligature code points
    need fonts or packages (CJKutf8, arabtex, ...) that a document chooses, not the .bib file. Each becomes a
    visible '?', so the run still proves that every entry, and every other character, typesets.
    """
    lines = []
    for char in sorted({c for c in text if ord(c) > 127}):
        name = unicodedata.name(char, "")
        latin = name.startswith("LATIN") and "LIGATURE" not in name
        if not latin and not 0x2000 <= ord(char) <= 0x206F:
            folded = unicodedata.normalize("NFKD", char)
            shown = folded if folded.isascii() and folded.isalnum() else "\\textbf{?}"
            lines.append(f"\\DeclareUnicodeCharacter{{{ord(char):04X}}}{{{shown}}}")
    return "\n".join(lines) + "\n"


@dataclass
class LatexRun:
    """What a bibliography run left behind."""

    folder: Path
    log: str
    blg: str
    bbl: str
    pdf_text: str


def run(cmd: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a program without a terminal; fail the test with its output when it fails."""
    result = subprocess.run(
        cmd,
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=300,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 0, f"{' '.join(cmd)} exited {result.returncode}:\n{result.stdout[-3000:]}"
    return result


def typeset(folder: Path, bib: str, *, style: str | None = None, biblatex: bool = False) -> LatexRun:
    """pdflatex + bibtex (style) or biber (biblatex) + pdflatex twice, on a document that \\nocite{*}s bib."""
    pdflatex = require_program("pdflatex")
    tool = require_program("biber" if biblatex else "bibtex")
    require_program("pdftotext")
    (folder / "refs.bib").write_text(bib, encoding="utf-8")
    if biblatex:
        setup = "\\usepackage[backend=biber,style=numeric]{biblatex}\n\\addbibresource{refs.bib}\n"
        body = "\\nocite{*}\n\\printbibliography\n"
    else:
        setup = ""
        body = f"\\nocite{{*}}\n\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}\n"
    document = PREAMBLE + setup + placeholders(bib) + "\\begin{document}\n" + body + "\\end{document}\n"
    (folder / "doc.tex").write_text(document, encoding="utf-8")
    latex = [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"]
    run(latex, folder)
    run([tool, "doc"], folder)
    run(latex, folder)
    run(latex, folder)
    run(["pdftotext", "-enc", "UTF-8", "doc.pdf", "doc.txt"], folder)
    read = lambda name: (folder / name).read_text(encoding="utf-8", errors="replace")  # noqa: E731
    return LatexRun(folder, read("doc.log"), read("doc.blg"), read("doc.bbl"), read("doc.txt"))


def squash(text: str) -> str:
    """Lower-case ASCII letters and digits only: compares typeset text across line breaks and hyphenation."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())
