"""What a candidate is: a secret value or a placeholder, a phone number, an IBAN, a card."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

# ---- secret values ------------------------------------------------------------------------

# Values after a secret's keyword that are no secret: references, placeholders, redactions.
_PLACEHOLDER = re.compile(
    r"""(?ix)^(?:
        \$\{?[\w.\-]+\}?.* | \$\(.*\)? | %[\w.]+% | [{(\[<].*
      | \*+ | x{3,} | \.{3,} | …
      | (?:redacted|hidden|masked|removed|placeholder|changeme|change[_\-]?me|dummy|sample
         |example|secret|password|passwort|token|null|none|nil|true|false|undefined|empty
         |tbd|todo|n/?a|see|siehe|required|optional|string|str|env|value)
      | your[_\-].* | my[_\-].* | .*[_\-]here
      | (?:env|vault|secret|ref|sops|op|awssm|gcpsm|azkv|file|k8s)(?:\+\w+)?:.*
      | [/~.]{1,2}/.*
    )$""")
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][a-z\u00df-\u024f]*\Z")  # one natural word
_SLUG_WORDS = re.compile(r"[a-z]+(?:[._\-][a-z]+)+\Z")  # generic.password, booking-db-creds
_HEX = re.compile(r"[0-9a-fA-F]+\Z")
_UUID = re.compile(r"[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}")
# Object ids of Stripe, Retell and the like: random, public, and no secret.
_OBJECT_ID = re.compile(r"(?:ch|evt|cus|pi|pm|in|sub|price|prod|acct|req|txn|po|re|seti|src"
                        r"|tok|card|ba|file|link|ii|il|cs|si|py|tr|ic|li|prv|call|agent"
                        r"|llm|conv)_")
_PATHLIKE = re.compile(r"[~.]{0,2}/")  # /var/..., ./x, ~/x, ../x
# Runs that make up words, identifiers, years and paths. Random tokens are mostly not made
# of them (coverage p99 <= 0.8 for 20-character random alphanumerics, 0.6 for 64).
_WORDISH = re.compile(r"[A-Z]?[a-z]{3,}|[A-Z]{3,}|[0-9]{4,}|[/_.\-]+")
# The 1st percentile of the Shannon entropy of random [A-Za-z0-9] strings of a length.
_ENTROPY_FLOOR = ((20, 3.6), (24, 3.85), (32, 4.2), (40, 4.4), (64, 4.85))


def secret_value(value: str, min_length: int) -> bool:
    """Whether the value after a secret's keyword (``password: <value>``) is one."""
    if len(value) < min_length or _PLACEHOLDER.match(value):
        return False
    if _WORD.match(value) or _SLUG_WORDS.match(value):  # "expired", "Bearer", "db-creds"
        return False
    if len(set(value)) <= 2:  # "xxxxxxxx", "00000000"
        return False
    return not value.lower().startswith(("http://", "https://"))


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def _entropy_floor(n: int) -> float:
    if n <= _ENTROPY_FLOOR[0][0]:
        return _ENTROPY_FLOOR[0][1]
    for (n0, h0), (n1, h1) in itertools.pairwise(_ENTROPY_FLOOR):
        if n <= n1:
            return h0 + (h1 - h0) * (n - n0) / (n1 - n0)
    return _ENTROPY_FLOOR[-1][1]


def _class(c: str) -> int:
    return 0 if c.islower() else 1 if c.isupper() else 2 if c.isdigit() else 3


def _class_changes(s: str) -> float:
    """Share of neighbours of different classes: random tokens >= 0.42 (5th percentile),
    CamelCase identifiers 0.12-0.29."""
    changes = sum(_class(a) != _class(b) for a, b in itertools.pairwise(s))
    return changes / max(len(s) - 1, 1)


def _encoded_text(token: str) -> bool:
    """Base64 of readable text or JSON (a logged payload: `eyJvcmRlcklkIjo...`,
    `SGVsbG8gV29ybGQh...`), not of random bytes: printable, with a space or JSON's braces."""
    import base64
    import binascii

    try:
        raw = base64.b64decode(token.replace("-", "+").replace("_", "/")
                               + "=" * (-len(token.rstrip("=")) % 4), validate=True)
        text = raw.decode("utf-8")
    except (ValueError, binascii.Error):
        return False
    return text.isprintable() and (" " in text or text.lstrip()[:1] in ("{", "["))


def looks_random(token: str) -> bool:
    """A high-entropy secret, not an id, hash, path, identifier, word or encoded text."""
    if len(token) < 20 or _HEX.match(token) or _UUID.search(token) or _OBJECT_ID.match(token):
        return False
    if _PATHLIKE.match(token) or "://" in token:
        return False
    if not (any(c.isupper() for c in token) and any(c.islower() for c in token)
            and sum(c.isdigit() for c in token) >= 2):
        return False
    if sum(m.end() - m.start() for m in _WORDISH.finditer(token)) >= 0.8 * len(token):
        return False
    return _entropy(token) >= _entropy_floor(len(token)) and _class_changes(token) >= 0.3 \
        and not _encoded_text(token)


# ---- phone numbers (libphonenumber) ------------------------------------------------------

_NANP_STRICT = re.compile(r"\([2-9]\d\d\) ?\d{3}[ .\-]\d{4}\Z")


@lru_cache(maxsize=1)
def _phonenumbers() -> ModuleType:
    import phonenumbers  # on the first phone-shaped candidate: 20 ms

    return phonenumbers


def known_region(region: str) -> bool:
    return region in _phonenumbers().SUPPORTED_REGIONS


@lru_cache(maxsize=64)
def _trunk_prefix(region: str) -> str:
    meta = _phonenumbers().PhoneMetadata.metadata_for_region(region)
    return (meta.national_prefix or "") if meta else ""


def _service_number(number: object) -> bool:
    """A hotline's number: toll-free (0800, +1 800), premium rate (0900), shared cost (0180)
    or a universal access number. A company's line, never a person's."""
    pn = _phonenumbers()
    return pn.number_type(number) in (pn.PhoneNumberType.TOLL_FREE,
                                      pn.PhoneNumberType.PREMIUM_RATE,
                                      pn.PhoneNumberType.SHARED_COST, pn.PhoneNumberType.UAN)


def phone_region(candidate: str, regions: tuple[str, ...]) -> str | None:
    """The region whose numbering plan ``candidate`` is a valid number of ("intl" for a
    valid international number of a region not configured), or None."""
    pn = _phonenumbers()
    if not 6 <= sum(c.isdigit() for c in candidate) <= 15:
        return None
    if candidate.startswith("+"):
        try:
            number = pn.parse(candidate, None)
        except pn.NumberParseException:
            return None
        if pn.is_valid_number(number):
            if _service_number(number):
                return None
            found: str | None = pn.region_code_for_number(number)
            return found or "intl"
        return None
    trunk_zero = candidate.lstrip("(")[:1] == "0"
    for region in regions:
        # National numbers carry the region's trunk prefix: 0 in Europe, none in NANP.
        # Without this, libphonenumber calls (555) 010-4477 a valid German number.
        if (_trunk_prefix(region) == "0") != trunk_zero:
            continue
        try:
            number = pn.parse(candidate, region)
        except pn.NumberParseException:
            continue
        if pn.is_valid_number(number):
            return None if _service_number(number) else region
    # NANP numbers written (NXX) NXX-XXXX, such as the fictional (555) 01x-xxxx: "possible"
    # is enough, as this shape is a phone number and nothing else.
    if "US" in regions and _NANP_STRICT.match(candidate):
        try:
            if pn.is_possible_number(pn.parse(candidate, "US")):
                return "US"
        except pn.NumberParseException:
            return None
    return None


# ---- IBAN and card numbers (python-stdnum) -----------------------------------------------

def _mod97(compact: str) -> bool:
    rearranged = compact[4:] + compact[:4]
    try:
        return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1
    except ValueError:
        return False


def _iban_valid(compact: str) -> bool:
    """ISO 7064 mod 97-10 first (cheap), then each country's length and BBAN format."""
    if not _mod97(compact):
        return False
    from stdnum import iban  # on the first checksum-valid candidate: 40 ms

    valid: bool = iban.is_valid(compact)
    return valid


def iban_length(raw: str) -> int | None:
    """The length of the longest prefix of ``raw`` (spaces allowed) that is a valid IBAN:
    a following word in capitals is not swallowed."""
    compact = ""
    ends = []
    for i, ch in enumerate(raw):
        if ch != " ":
            compact += ch
            ends.append(i + 1)
    for n in range(min(len(compact), 34), 14, -1):
        if _iban_valid(compact[:n]):
            return ends[n - 1]
    return None


def luhn_valid(digits: str) -> bool:
    from stdnum import luhn  # on the first card-shaped candidate

    valid: bool = luhn.is_valid(digits)
    return valid


def card_network(digits: str) -> str | None:
    """The card network whose number ranges and lengths ``digits`` fits."""
    n = len(digits)
    p2, p3, p4 = int(digits[:2]), int(digits[:3]), int(digits[:4])
    if digits[0] == "4" and n in (13, 16, 19):
        return "Visa"
    if (51 <= p2 <= 55 or 2221 <= p4 <= 2720) and n == 16:
        return "Mastercard"
    if p2 in (34, 37) and n == 15:
        return "Amex"
    if (p4 == 6011 or p2 == 65 or 644 <= p3 <= 649) and 16 <= n <= 19:
        return "Discover"
    if 3528 <= p4 <= 3589 and 16 <= n <= 19:
        return "JCB"
    if (300 <= p3 <= 305 or p2 in (36, 38, 39)) and 14 <= n <= 19:
        return "Diners"
    if p2 == 62 and 16 <= n <= 19:
        return "UnionPay"
    if p2 in (50, 56, 57, 58, 63, 67) and 16 <= n <= 19:
        return "Maestro"
    return None


# Published test numbers of the card networks and payment providers (Stripe, Adyen, ...):
# allowed only where the configuration says so (allow_test_cards).
TEST_CARDS = frozenset({
    "4111111111111111", "4242424242424242", "4000056655665556", "4012888888881881",
    "4222222222222", "5555555555554444", "5105105105105100", "2223003122003222",
    "5200828282828210", "378282246310005", "371449635398431", "6011111111111117",
    "6011000990139424", "3056930009020004", "36227206271667", "3566002020360505",
    "6200000000000005", "4000000000000002", "4000000000009995",
})


# ---- masks -------------------------------------------------------------------------------

def mask(value: str, *, email: bool = False) -> str:
    """A value as messages show it: never whole; at most its first 4 characters (fewer for
    short values) and its length. An e-mail address keeps its domain, which is what an
    allow-list names, and only the first character of the person's part."""
    if email:
        local, _, domain = value.rpartition("@")
        return f"{local[:1]}…@{domain}"
    head = value.split("\n", 1)[0][:min(4, len(value) // 4)]
    return f"{head}…({len(value)} chars)"


def normalized(kind: str, value: str) -> str:
    """What allow-listed values are compared as: phone and card numbers as their digits,
    IBANs without spaces, e-mail addresses in lower case, everything else as written."""
    if kind in ("phone", "card"):
        return re.sub(r"[^\d+]", "", value)
    if kind == "iban":
        return value.replace(" ", "").upper()
    if kind == "email":
        return value.lower()
    return value
