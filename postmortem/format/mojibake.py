"""Text that was UTF-8 but got decoded as Mac Roman, Windows-1252 or Latin-1 ("mojibake")."""

from __future__ import annotations

import codecs
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


def _keep_c1(error: UnicodeError) -> tuple[bytes, int]:
    """Encode the C1 controls that Windows-1252 leaves undefined as their own byte: that is
    how a sloppy decoder turned those bytes into text."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    chunk = error.object[error.start:error.end]
    if all(0x80 <= ord(ch) <= 0x9F for ch in chunk):
        return bytes(ord(ch) for ch in chunk), error.end
    raise error


codecs.register_error("postmortem-keep-c1", _keep_c1)
_WHOLE = (("mac_roman", "strict", "Mac Roman"), ("cp1252", "postmortem-keep-c1", "Windows-1252"),
          ("latin-1", "strict", "Latin-1"))


def repair_whole(text: str) -> tuple[str, str, int] | None:
    """(repaired text, codec it was read as, mis-decoded sequences) when all of ``text`` is
    UTF-8 that was decoded with a wrong code page, else None.

    Whole or not at all: correct text never survives the round trip (a correct "ü" or "✅"
    does not re-encode to valid UTF-8), so a success is a repair, not a guess.
    """
    if text.isascii():
        return None
    for codec, errors, name in _WHOLE:
        try:
            fixed = text.encode(codec, errors).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
        if fixed != text:
            return fixed, name, len(_RUN.findall(text))
    return None
