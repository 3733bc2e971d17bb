"""Text that was UTF-8 but got decoded as Mac Roman, Windows-1252 or Latin-1 ("mojibake")."""

from __future__ import annotations

import codecs
import re

# Runs of non-ASCII characters: a mis-decoded UTF-8 sequence always becomes such a run.
_RUN = re.compile(r"[^\x00-\x7f]+")
_CODECS = ("mac_roman", "cp1252", "latin-1")
_NAMES = {"mac_roman": "Mac Roman", "cp1252": "Windows-1252", "latin-1": "Latin-1"}

# What a repair may produce: the letters of European, Greek, Cyrillic, Hebrew and Arabic
# text (two UTF-8 bytes each), and punctuation, symbols, CJK, Hangul and emoji (three or
# four). Correct text that merely decodes (`ß“` -> U+07D3, an NKo letter; `É”` -> U+0254, an
# IPA letter) lands outside these ranges.
_TWO_BYTE = ((0x00A0, 0x017F), (0x0370, 0x03FF), (0x0400, 0x04FF), (0x05D0, 0x05EA),
             (0x0600, 0x06FF))
_LONGER = ((0x1E00, 0x1EFF), (0x2000, 0x2BFF), (0x3000, 0x9FFF), (0xAC00, 0xD7AF),
           (0xFE00, 0xFE0F), (0x1F000, 0x1FAFF))
_SCRIPTS = ((0x0370, 0x06FF),)  # a single letter of these is no word of that script
# The first character of a two-byte sequence read in each codec, for the lead bytes of
# those letters (C2-C5: Latin-1 and Latin Extended-A; CE-D1: Greek and Cyrillic; D7-D9:
# Hebrew and Arabic). A letter of correct text before a closing quote or a euro sign (`ß`,
# `Ü`, `É` ...) is none of them.
_LEADS = {codec: frozenset(bytes([b]).decode(codec) for b in (
    0xC2, 0xC3, 0xC4, 0xC5, 0xCE, 0xCF, 0xD0, 0xD1, 0xD7, 0xD8, 0xD9)) for codec in _CODECS}


def _plausible(run: str, fixed: str, codec: str) -> bool:
    """Whether ``fixed`` (``run`` read back as UTF-8) is text someone wrote."""
    letters = 0
    for ch in fixed:
        code = ord(ch)
        if code < 0x80:
            return False  # an ASCII byte never stands mis-decoded inside a run
        if code < 0x800:
            if not any(lo <= code <= hi for lo, hi in _TWO_BYTE):
                return False
            letters += any(lo <= code <= hi for lo, hi in _SCRIPTS)
        elif not any(lo <= code <= hi for lo, hi in _LONGER) and code != 0x200D:
            return False
    if letters == 1 and len(fixed) == 1:
        return False
    # Each two-byte character came from a lead character and a continuation character.
    position = 0
    for ch in fixed:
        width = len(ch.encode("utf-8"))
        if width == 2 and run[position] not in _LEADS[codec]:
            return False
        position += width
    return True


def repair(text: str) -> tuple[str, str] | None:
    """(repaired text, codec it was read as) when ``text`` looks mis-decoded, else None.

    Run by run, so text mixing correct and mis-decoded characters is repaired where it can
    be and left alone elsewhere. A run is taken as mis-decoded only when it reads back as
    plausible text: correct German, French, Spanish, Polish or Turkish with typographic
    quotes, the euro sign and accents stays as it is.
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
            if fixed != run and _plausible(run, fixed, codec):
                codec_used = codec_used or codec
                return fixed
        return run

    repaired = _RUN.sub(fix, text)
    if repaired == text:
        return None
    return repaired, _NAMES[codec_used]


def first_change(text: str, repaired: str) -> int:
    """Index in ``text`` of the first character the repair changed."""
    for index, (a, b) in enumerate(zip(text, repaired, strict=False)):
        if a != b:
            return index
    return min(len(text), len(repaired))


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
