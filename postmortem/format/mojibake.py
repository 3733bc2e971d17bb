"""Text that was UTF-8 but got decoded as Mac Roman, Windows-1252 or Latin-1 ("mojibake")."""

from __future__ import annotations

import re

# Runs of non-ASCII characters: a mis-decoded UTF-8 sequence always becomes such a run.
_RUN = re.compile(r"[^\x00-\x7f]+")
_CODECS = ("mac_roman", "cp1252", "latin-1")




def repair(text: str) -> tuple[str, str] | None:
    """(repaired text, codec it was read as) when ``text`` looks mis-decoded, else None.

    Run by run, so text mixing correct and mis-decoded characters is repaired where it can
    be and left alone elsewhere.
    """
    if text.isascii():
        return None
    codec_used = ""

    def fix(match: re.Match[str]) -> str:
        nonlocal codec_used
        run = match.group(0)
        for codec in _CODECS:
            try:
                fixed = run.encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            if fixed != run:
                codec_used = codec_used or codec
                return fixed
        return run

    repaired = _RUN.sub(fix, text)
    if repaired == text:
        return None
    return repaired, {"mac_roman": "Mac Roman", "cp1252": "Windows-1252",
                      "latin-1": "Latin-1"}[codec_used]
