"""Secrets and personal data in the bytes of a file: candidates by regular expression, each
confirmed by the rules of its kind (and a library where one knows better)."""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Generator, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Literal

from postmortem.config import Privacy
from postmortem.privacy.values import (
    TEST_CARDS,
    card_network,
    iban_length,
    known_region,
    looks_random,
    luhn_valid,
    normalized,
    phone_region,
    secret_value,
)

try:  # A DFA engine: linear time however many alternatives; ~20x Python's `re` here.
    import re2 as _re2
except ImportError:  # pragma: no cover - platforms without a google-re2 wheel
    _re2 = None

Category = Literal["secret", "personal"]
SECRET: Category = "secret"
PERSONAL: Category = "personal"
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def _providers() -> list[tuple[str, str, str]]:
    from postmortem.config import tomllib

    table = tomllib.loads((Path(__file__).parent / "providers.toml").read_text("utf-8"))
    return [(p["kind"], p["label"], p["pattern"]) for p in table["provider"]]


PROVIDERS = _providers()
# kind -> what messages call it
LABELS: dict[str, str] = {
    **{kind: label for kind, label, _ in reversed(PROVIDERS)},  # a kind's first label
    "private-key": "private key",
    "jwt": "JSON Web Token",
    "password-in-url": "password in a URL",
    "assigned-secret": "password or token",
    "aws-secret-key": "AWS secret access key",
    "high-entropy": "random-looking secret value",
    "email": "e-mail address",
    "phone": "phone number",
    "iban": "IBAN",
    "card": "card number",
    "ip": "IP address",
}
PERSONAL_KINDS = ("email", "phone", "ip", "iban", "card")
_PROVIDER_PATTERNS = [(kind, re.compile(pattern + r"\Z")) for kind, _, pattern in PROVIDERS]
_PROVIDER_ANY = re.compile("|".join(f"(?:{p})" for _, _, p in PROVIDERS))

# ---- candidate families --------------------------------------------------------------------
# Patterns over bytes that RE2 and Python's `re` both accept.
_T = r"[A-Za-z0-9+/_=\-]"  # token characters (base64, base64url, ids)
_L = r"[a-z0-9\-]"  # characters of slugs and hex ids


def _entropy_token(min_len: int = 20) -> str:
    """A token of at least ``min_len`` token characters with one of [A-Z+/_=]: the DFA drops
    lowercase slugs, hex ids and numbers (44,000 slug values in the benchmark corpus)
    without a Python call."""
    branches = [f"{_L}{{{i}}}[A-Z+/_=]{_T}{{{min_len - 1 - i},}}" for i in range(min_len)]
    branches.append(f"{_L}{{{min_len},}}[A-Z+/_=]{_T}*")
    return "(?:" + "|".join(branches) + ")"


_KEYWORDS = (r"password|passwd|passphrase|passwort|kennwort|pwd|[_\-.]pass|secret|token"
             r"|api[_\-]?key|apikey"
             r"|access[_\-]?key|private[_\-]?key|secret[_\-]?key|signing[_\-]?key"
             r"|app[_\-]?key|master[_\-]?key|credentials?|authorization|[?&]sig")
_FLAG_KEYWORDS = r"password|passwd|token|secret|api-key|apikey"

FAMILIES: dict[str, str] = {
    "provider": r"\b(?:" + "|".join(p for _, _, p in PROVIDERS) + r")",
    "pem": r"-----BEGIN[ A-Z0-9]*PRIVATE KEY[ A-Z]*-----",
    "jwt": r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*",
    "url": r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^\s/?#@:\"'<>]*:[^\s/?#@\"'<>]+@",
    "keyword": r"(?i:[A-Za-z0-9_.\-]*(?:" + _KEYWORDS + r"))(?:\\?[\"'])?[ \t]*(?:=>|:=|=|:)[ \t]*"
               r"|--(?i:[A-Za-z0-9\-]*(?:" + _FLAG_KEYWORDS + r"))[ \t]+",
    "userpass": r"(?:\s-u|--user)[ \t=]+[\"']?[A-Za-z0-9_.@+\-]+:",
    "assign": r"(?:=[ \t]*|:[ \t]+)[\"']?" + _entropy_token() + r"|:[\"']" + _entropy_token(),
    "email": r"[A-Za-z0-9._%+'\-\x80-\xff]+@(?:[A-Za-z0-9\x80-\xff](?:[A-Za-z0-9\-\x80-\xff]*"
             r"[A-Za-z0-9\x80-\xff])?\.)+[A-Za-z]{2,24}",
    "phone_intl": r"\+[1-9][0-9 \-./()]{5,22}[0-9]",
    "phone_nat": r"(?:^|[\s\"'(\[=:,;>])(?:\(?0[1-9][0-9 \-./()]{5,18}[0-9]"
                 r"|00[1-9][0-9 \-./()]{5,20}[0-9]"
                 r"|\([2-9][0-9]{2}\)[ .\-]?[0-9]{3}[ .\-][0-9]{4})",
    "iban": r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,32}",
    "card": r"\b[2-6][0-9](?:[ \-]?[0-9]){11,17}\b",
    "ipv4": r"\b(?:[0-9]{1,3}\.){3}[0-9]{1,3}\b",
    "ipv6": r"\b[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
            r"|::[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,6}",
}
# RE2 runs the families as three alternations. One alternation of all is fastest on
# repetitive text, but its DFA explodes on varied text (2-30 s for 60 MB of real-looking
# incidents); three keep each DFA small.
_RE2_GROUPS = (
    ("provider", "pem", "jwt", "url", "phone_intl", "keyword", "userpass"),  # literal-led
    ("assign", "email"),  # tokens
    ("phone_nat", "card", "ipv4", "iban", "ipv6"),  # digits
)
ENGINE: Literal["re2", "re"] = "re2" if _re2 is not None else "re"

# Python's `re` runs one pattern per family (an alternation is ~20x slower there), skips a
# family whose literals do not occur, and starts some patterns at their rarer part.
_SRE_PATTERNS = {
    **FAMILIES,
    # a simpler token: `re` backtracks through the 21 branches; the condition on [A-Z+/_=]
    # is checked in Python instead
    "assign": r"(?:=[ \t]*|:[ \t]+)[\"']?[A-Za-z0-9+/_=\-]{20,}|:[\"'][A-Za-z0-9+/_=\-]{20,}",
    "keyword": r"(?i:" + _KEYWORDS + r")(?:\\?[\"'])?[ \t]*(?:=>|:=|=|:)[ \t]*"
               r"|--(?i:[A-Za-z0-9\-]*(?:" + _FLAG_KEYWORDS + r"))[ \t]+",
    "phone_nat": r"\(?0[1-9][0-9 \-./()]{5,18}[0-9]|00[1-9][0-9 \-./()]{5,20}[0-9]"
                 r"|\([2-9][0-9]{2}\)[ .\-]?[0-9]{3}[ .\-][0-9]{4}",
    "ipv6": r"(?::[0-9A-Fa-f]{0,4}){2,7}",
}
# (No gate for "provider": a Discord token has no literal part.)
_GATES: dict[str, tuple[bytes, ...]] = {
    "pem": (b"-----BEGIN",),
    "jwt": (b"eyJ",),
    "url": (b"://",),
    "email": (b"@",),
    "phone_intl": (b"+",),
    "userpass": (b"-u", b"--user"),
}
_KEYWORD_GATES = (b"pass", b"pwd", b"secret", b"token", b"key", b"credential",
                  b"authorization", b"sig", b"kennwort")
_KEYWORD_FULL = re.compile(FAMILIES["keyword"].encode())
_SRE_ASSIGN_OK = re.compile(rb"[A-Z+/_=]")
_IDENT_CHARS = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_PHONE_BEFORE = frozenset(b" \t\n\r\x0b\x0c\"'([=:,;>")
_HEX_CHARS = frozenset(b"0123456789abcdefABCDEF")


@lru_cache(maxsize=2)
def _compiled(engine: str) -> list[Any]:
    if engine == "re2":
        assert _re2 is not None
        options = _re2.Options()
        options.max_mem = 64 << 20  # room for each group's DFA (the default is 8 MB)
        return [(_re2.compile("|".join(f"({FAMILIES[n]})" for n in group).encode(), options),
                 group) for group in _RE2_GROUPS]
    return [(name, re.compile(_SRE_PATTERNS[name].encode())) for name in FAMILIES]


# ---- findings ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    """A secret or a piece of personal data: where it is and what it is."""

    kind: str  # a provider's kind (providers.toml) or a key of LABELS
    category: Category
    start: int  # byte offsets into the scanned data
    end: int
    value: str
    line: int  # 1-based
    col: int  # 1-based, in characters
    detail: str = ""  # the phone's region, the card's network, the IBAN's country, IPv4/6

    @property
    def label(self) -> str:
        return LABELS.get(self.kind, self.kind)


@dataclass
class _Hit:
    kind: str
    category: Category
    start: int
    end: int
    detail: str = ""

    @property
    def priority(self) -> int:
        """Of overlapping hits the most specific stays: a provider's format (1), a private
        key (0), a JWT (2) ... before personal data (10)."""
        if self.category == PERSONAL:
            return 10
        return _PRIORITY.get(self.kind, 1)


_PRIORITY = {"private-key": 0, "jwt": 2, "password-in-url": 3, "aws-secret-key": 4,
             "assigned-secret": 5, "high-entropy": 6}
# Login names of systems and services and role mailboxes, not of people.
_SYSTEM_USERS = frozenset({
    "root", "git", "deploy", "www-data", "postgres", "ubuntu", "admin", "ec2-user", "centos",
    "debian", "pi", "jenkins", "gitlab-runner", "noreply", "no-reply", "mailer-daemon",
    "postmaster",
    # Role mailboxes of a team or function (RFC 2142 and the usual ones of operations), not
    # of a person: alerts go to oncall@, customers write to support@.
    "abuse", "hostmaster", "webmaster", "security", "noc", "info", "support", "sales",
    "billing", "helpdesk", "service", "kontakt", "contact", "oncall", "on-call", "ops",
    "devops", "sre", "alerts", "alerting", "incident", "incidents", "status", "notifications",
    "donotreply", "do-not-reply", "bounce", "bounces", "privacy", "datenschutz", "legal"})
_PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
    "fc00::/7", "fe80::/10"))
# Documentation examples of providers: AWS's AKIAIOSFODNN7EXAMPLE and
# wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY, and the same convention elsewhere.
_DOC_EXAMPLE = re.compile(r"EXAMPLE(?:KEY)?\Z")
# Other scanners' inline markers (detect-secrets, gitleaks), honoured for secrets.
_ALLOW_LINE = (b"pragma: allowlist secret", b"gitleaks:allow")
_ALLOW_NEXT_LINE = b"pragma: allowlist nextline secret"

_DATE_LIKE = re.compile(r"\(?\d{1,4}[./\-]\d{1,2}[./\-]\d{2,4}(?:[ T]\d{1,2})?\Z")
_PHONE_CONTEXT = re.compile(r"(?i)tel|phone|fon|mobil|handy|cell|fax|call|anruf|ruf|nummer"
                            r"|number|kontakt|contact|whatsapp|sms|caller|dial")
_CARD_CONTEXT = re.compile(r"(?i)card|karte|visa|master|amex|american express|discover|diners"
                           r"|jcb|maestro|unionpay|pan\b|\bcc\b|kreditkarte|payment|zahlung")
_CARD_GROUPS = re.compile(r"\d{4}([ \-])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?\Z"
                          r"|\d{4}([ \-])\d{6}\2\d{4,5}\Z|\d{13,19}\Z")
_VERSION_WORDS = re.compile(r"(?i)(?:\bv|version|ver\.?|release|build|rev|revision|firmware"
                            r"|fw|tag)[ =]*\Z")
# A key that names an id, hash or version: random values are expected after it.
_ID_KEY = re.compile(rb"(?:(?<![A-Za-z])(?i:id|uid|uuid|guid|ids|ref|hash|digest|sha[0-9]*"
                     rb"|etag|checksum|fingerprint|commit|rev|revision|version|build|slug|name"
                     rb"|number|nr|no|nonce|state|cursor|offset|page|path|file|url|uri|image"
                     rb"|tag|label)|[a-z](?:Id|Uid|Uuid|Ref|Hash|Name|Path|Url|Version))"
                     rb"[\"']?[ \t]*\Z")
_QUOTES = "\"'`"
_VALUE_END = re.compile(r"[\s,;&\"'`)}\]\\]")
_NAME_IN_VALUE = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)=")
_KEYWORD_NAME = re.compile(r"(?i:" + _KEYWORDS + r")")
_MIN_SECRET = 6  # characters of a value after a secret's keyword
_MIN_URL_PASSWORD = 3


def provider_kind(token: str) -> str | None:
    """The kind of a token in a provider's format, or None."""
    if _PROVIDER_ANY.match(token) is None:  # one pass for the common "no"
        return None
    for kind, pattern in _PROVIDER_PATTERNS:
        if pattern.match(token):
            return kind
    return None


class Scanner:
    """Finds secrets and personal data; built once per configuration."""

    def __init__(self, settings: Privacy, engine: str | None = None) -> None:
        self.settings = settings
        self.engine = engine or ENGINE
        self.patterns = _compiled(self.engine)
        self.regions = settings.phone_regions
        self._allowed = {normalized(kind, v) for v in settings.allow_values
                         for kind in ("phone", "card", "iban", "email", "")}
        self._domains = settings.allow_domains

    @cached_property
    def _networks(self) -> tuple[IPNetwork, ...]:
        nets = [ipaddress.ip_network(n, strict=False) for n in self.settings.allow_networks]
        if self.settings.allow_private_networks:
            nets.extend(_PRIVATE_NETWORKS)
        return tuple(nets)

    def unknown_regions(self) -> list[str]:
        """Configured phone regions libphonenumber does not know."""
        return [r for r in self.regions if not known_region(r)]

    # -- candidates ------------------------------------------------------------------------

    def _candidates(self, b: bytes) -> Generator[tuple[str, int, int], int | None, None]:
        """(family, start, end) of every candidate in order; the caller sends back where to
        go on (a confirmed candidate hides what lies inside it)."""
        found = self._re2_candidates(b) if self.engine == "re2" else self._sre_candidates(b)
        found.sort()
        last = 0
        for start, neg_end, name in found:
            if start < last:
                continue  # inside an earlier candidate, as with one alternation
            resume = yield name, start, -neg_end
            last = -neg_end if resume is None else resume

    def _re2_candidates(self, b: bytes) -> list[tuple[int, int, str]]:
        found = []
        for pattern, names in self.patterns:
            for m in pattern.finditer(b):
                index = m.lastindex
                start, end = m.span(index)
                found.append((start, -end, names[index - 1]))
        return found

    def _sre_candidates(self, b: bytes) -> list[tuple[int, int, str]]:
        found: list[tuple[int, int, str]] = []
        lower = b.lower()
        for name, pattern in self.patterns:
            gates = _GATES.get(name)
            if gates is not None and not any(g in b for g in gates):
                continue
            if name == "keyword":
                found.extend(_sre_keywords(b, lower))
            elif name == "assign":
                found.extend((m.start(), -m.end(), name) for m in pattern.finditer(b)
                             if _SRE_ASSIGN_OK.search(m.group(), 1))
            elif name == "phone_nat":  # with the delimiter before it, as in RE2's pattern
                for m in pattern.finditer(b):
                    start = m.start()
                    if start == 0:
                        found.append((0, -m.end(), name))
                    elif b[start - 1] in _PHONE_BEFORE:
                        found.append((start - 1, -m.end(), name))
                    elif b[start:start + 2] == b"(0":  # "(" as the delimiter
                        found.append((start, -m.end(), name))
            elif name == "email":  # around each @ only
                found.extend(_sre_emails(b, pattern))
            elif name == "ipv6":  # back to the hex group before the first colon
                for m in pattern.finditer(b):
                    start = _back_over(b, m.start(), _HEX_CHARS, 4)
                    if start == m.start() and b[start:start + 2] != b"::":
                        continue
                    if start > 0 and b[start - 1] in _IDENT_CHARS and start != m.start():
                        continue  # no word boundary before the first group
                    found.append((start, -m.end(), name))
            else:
                found.extend((m.start(), -m.end(), name) for m in pattern.finditer(b))
        return found

    # -- the scan --------------------------------------------------------------------------

    def scan(self, data: bytes) -> list[Finding]:
        """The findings in ``data`` (UTF-8), in order of position."""
        hits: list[_Hit] = []
        candidates = self._candidates(data)
        try:
            family, start, end = next(candidates)
            while True:
                if family in ("keyword", "userpass"):  # curl -u user:password too
                    self._keyword(data, start, end, hits)
                    resume = end
                else:
                    resume = self._confirm(family, data, start, end, hits)
                family, start, end = candidates.send(resume)
        except StopIteration:
            pass
        return self._findings(data, hits) if hits else []

    def _findings(self, b: bytes, hits: list[_Hit]) -> list[Finding]:
        hits.sort(key=lambda h: (h.priority, h.start))
        kept: list[_Hit] = []
        for h in hits:
            if not any(h.start < k.end and k.start < h.end for k in kept):
                kept.append(h)
        kept.sort(key=lambda h: h.start)
        out = []
        ascii_only = b.isascii()
        bom = 3 if b.startswith(b"\xef\xbb\xbf") else 0
        for h in kept:
            value = b[h.start:h.end].decode("utf-8", "replace")
            if value in self._allowed or normalized(h.kind, value) in self._allowed:
                continue
            if _DOC_EXAMPLE.search(value):
                continue
            line_start = b.rfind(b"\n", 0, h.start) + 1
            if h.category == SECRET and _marked_allowed(b, line_start, h.start):
                continue
            before = b[max(line_start, bom):h.start]
            col = len(before) + 1 if ascii_only else len(before.decode("utf-8", "replace")) + 1
            out.append(Finding(h.kind, h.category, h.start, h.end, value,
                               b.count(b"\n", 0, h.start) + 1, col, h.detail))
        return out

    # -- confirming candidates -------------------------------------------------------------

    def _confirm(self, family: str, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        """Confirm the candidate b[s:e] of ``family``, add its hits; return where to go on."""
        confirm = getattr(self, f"_{family}")
        resume: int = confirm(b, s, e, out)
        return resume

    def _provider(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        out.append(_Hit(provider_kind(b[s:e].decode()) or "assigned-secret", SECRET, s, e))
        return e

    def _pem(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        end_marker = b"-----END" + b[s + len(b"-----BEGIN"):e]
        stop = b.find(end_marker, e)
        stop = len(b) if stop == -1 else stop + len(end_marker)
        out.append(_Hit("private-key", SECRET, s, stop))
        return stop

    def _jwt(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        head = b[s:e].split(b".", 1)[0]
        try:
            header = json.loads(base64.urlsafe_b64decode(head + b"=" * (-len(head) % 4)))
        except (ValueError, binascii.Error):
            header = None
        if isinstance(header, dict) and ("alg" in header or "typ" in header):
            out.append(_Hit("jwt", SECRET, s, e))
        return e

    def _url(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        seg = b[s:e - 1]  # scheme://user:password (without the @)
        password_at = seg.index(b":", seg.index(b"://") + 3) + 1
        password = seg[password_at:].decode("utf-8", "replace")
        host_end = e
        while host_end < len(b) and b[host_end:host_end + 1] not in b" \t\r\n/?#:\"'<>":
            host_end += 1
        host = b[e:host_end].decode("utf-8", "replace").lower()
        if self._host_allowed(host) or not secret_value(password, _MIN_URL_PASSWORD):
            return e
        kind = provider_kind(password) or "password-in-url"
        out.append(_Hit(kind, SECRET, s + password_at, e - 1))
        return e

    def _assign(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        seg = b[s:e]
        i = 1
        while i < len(seg) and seg[i:i + 1] in b" \t\"'":
            i += 1
        token = seg[i:].decode()
        named = _NAME_IN_VALUE.match(token)  # `event: password=...`: a KEY= inside the value
        if named:
            if _KEYWORD_NAME.search(named.group(1)):
                return s + i  # the keyword family's candidate reports the value after it
            if _id_key(b, s + i + len(named.group(1))):
                return e
            i += named.end()
            token = token[named.end():]
        kind = provider_kind(token)
        if kind:
            out.append(_Hit(kind, SECRET, s + i, e))
        elif looks_random(token) and not _in_url_query(b, s) and not _id_key(b, s):
            out.append(_Hit("high-entropy", SECRET, s + i, e))
        else:
            return s + i  # let the other families look inside the token (an IBAN, ...)
        return e

    def _email(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        address = b[s:e].decode("utf-8", "replace")
        # not what stands before it: non-ASCII punctuation („anna@, Kunde—anna@), dots, quotes
        at = address.rfind("@")
        lead = max((i + 1 for i, c in enumerate(address[:at])
                    if not (c.isascii() or c.isalnum())), default=0)
        lead += len(address[lead:]) - len(address[lead:].lstrip(".'-"))
        local, _, domain = address[lead:].rpartition("@")
        if not local or (b[e:e + 1] == b":" and local in ("git", "hg", "ssh")):
            return e  # an SSH remote
        if local.lower() in _SYSTEM_USERS or self._host_allowed(domain.lower()):
            return e
        out.append(_Hit("email", PERSONAL, s + len(address[:lead].encode()), e))
        return e

    def _phone_intl(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        return self._phone(b, s, e, out, national=False)

    def _phone_nat(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        return self._phone(b, s, e, out, national=True)

    def _phone(self, b: bytes, s: int, e: int, out: list[_Hit], *, national: bool) -> int:
        raw = b[s:e].decode()
        lead = 1 if national and raw[:1] not in "0(" else 0  # the delimiter before it
        candidate = raw[lead:].rstrip(" -./(")
        if candidate.count("(") != candidate.count(")") and candidate.startswith("("):
            candidate, lead = candidate[1:], lead + 1
        stop = s + lead + len(candidate)
        after = b[stop:stop + 2]
        if after[:1].isalnum() or (after[:1] in (b".", b":", b"-", b"/", b"_")
                                   and after[1:2].isalnum()):
            return e  # part of a longer token: a UUID, a date and time, a path
        if _DATE_LIKE.match(candidate.replace(" ", "")) or _DATE_LIKE.match(candidate):
            return e
        if candidate.isdigit() and not _PHONE_CONTEXT.search(_line_before(b, s + lead)):
            return e  # a bare digit run (an id, an order number) needs a phone label
        # 0049 151 ...: the international prefix dialled from Germany and most of Europe
        region = phone_region("+" + candidate[2:] if candidate.startswith("00") else candidate,
                              self.regions)
        if region:
            out.append(_Hit("phone", PERSONAL, s + lead, stop, region))
        return e

    def _iban(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        raw = b[s:e].decode()
        length = iban_length(raw)
        if length:
            out.append(_Hit("iban", PERSONAL, s, s + length, raw[:2]))
        return e

    def _card(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        raw = b[s:e].decode()
        digits = raw.replace(" ", "").replace("-", "")
        after = b[e:e + 2]
        if b[max(0, s - 1):s] in (b".", b",") or (after[:1] in (b".", b",")
                                                  and after[1:2].isdigit()):
            return e  # a number with decimals or thousands
        if not _CARD_GROUPS.match(raw) or not luhn_valid(digits):
            return e
        if raw.isdigit() and not _CARD_CONTEXT.search(_line_before(b, s)):
            return e  # an ungrouped digit run (an order number, an id) needs a card label
        network = card_network(digits)
        if network and not (self.settings.allow_test_cards and digits in TEST_CARDS):
            out.append(_Hit("card", PERSONAL, s, e, network))
        return e

    def _ipv4(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        before = b[max(0, s - 1):s]
        after = b[e:e + 2]
        if before == b"." or (after[:1] == b"." and after[1:2].isdigit()):
            return e  # more than four parts: a version
        if before in (b"<", b">", b"~", b"^") or (
                before == b"=" and b[max(0, s - 2):s - 1] in (b"=", b"<", b">", b"~", b"!")):
            return e  # >=1.2.0.0, ==3.10.0.2 (a lone = is an assignment: client=, SRC=)
        if _VERSION_WORDS.search(b[max(0, s - 12):s].decode("utf-8", "replace")):
            return e
        return self._address(b[s:e].decode(), s, e, out)

    def _ipv6(self, b: bytes, s: int, e: int, out: list[_Hit]) -> int:
        raw = b[s:e].decode()
        before = b[max(0, s - 1):s]
        after = b[e:e + 1]
        if before.isalnum() or before in (b":", b"_") or after.isalnum() or after == b"_":
            return e
        if sum(c in "0123456789abcdefABCDEF" for c in raw) < 4 or not any(
                c.isdigit() for c in raw):
            return e  # Foo::bar, ab::cd
        return self._address(raw, s, e, out)

    def _address(self, raw: str, s: int, e: int, out: list[_Hit]) -> int:
        try:
            address = ipaddress.ip_address(raw)
        except ValueError:
            return e
        if not self._ip_allowed(address):
            out.append(_Hit("ip", PERSONAL, s, e, f"IPv{address.version}"))
        return e

    def _keyword(self, b: bytes, s: int, e: int, out: list[_Hit]) -> None:
        """KEY=value, key: value, "key": "value", --flag value, -u user:value: the value
        must look like a secret, not like a placeholder or a word."""
        ident = re.match(rb"[\"']?(--)?[A-Za-z0-9_.\-]*", b[s:e])
        name = ident.group(0).lower() if ident else b""
        eol = b.find(b"\n", e, e + 4096)
        tail = b[e:eol if eol != -1 else e + 4096].decode("utf-8", "replace")
        start, stop = _take_value(tail, 0)
        value = tail[start:stop]
        if name.endswith(b"authorization") and value.lower() in ("bearer", "basic", "token",
                                                                  "digest"):
            rest = tail[stop:]
            skip = len(rest) - len(rest.lstrip(" \t"))
            start2, stop2 = _take_value(rest, skip)
            start, stop, value = stop + start2, stop + stop2, rest[start2:stop2]
        if not secret_value(value, _MIN_SECRET):
            return
        bstart = e + len(tail[:start].encode())
        kind = provider_kind(value)
        if kind is None:
            kind = "aws-secret-key" if b"aws" in name and b"secret" in name \
                else "assigned-secret"
        out.append(_Hit(kind, SECRET, bstart, bstart + len(value.encode())))

    # -- allow-lists -----------------------------------------------------------------------

    def _host_allowed(self, host: str) -> bool:
        host = host.strip("[]").rstrip(".")
        return any(host == d or host.endswith("." + d) for d in self._domains) \
            or host in self._allowed

    def _ip_allowed(self, address: IPAddress) -> bool:
        return any(address in net for net in self._networks
                   if net.version == address.version)


def _take_value(text: str, pos: int) -> tuple[int, int]:
    """The value that starts at ``pos``: a quoted string or a run up to a delimiter."""
    if text[pos:pos + 1] == "\\" and text[pos + 1:pos + 2] in ("\"", "'"):
        # an escaped quote: JSON inside a double-quoted YAML value ("{\"password\": \"...\"}")
        end = text.find("\\" + text[pos + 1], pos + 2)
        return (pos + 2, pos + 2) if end == -1 else (pos + 2, end)
    if pos < len(text) and text[pos] in _QUOTES:
        end = text.find(text[pos], pos + 1)
        if end == -1:
            return pos + 1, pos + 1
        return pos + 1, end
    m = _VALUE_END.search(text, pos)
    return pos, (m.start() if m else len(text))


def _line_before(b: bytes, pos: int, width: int = 40) -> str:
    """Up to ``width`` bytes before ``pos`` on its line: where a label stands."""
    return b[max(0, pos - width):pos].decode("utf-8", "replace").rsplit("\n", 1)[-1]


def _id_key(b: bytes, pos: int) -> bool:
    return _ID_KEY.search(b[max(0, pos - 40):pos]) is not None


def _in_url_query(b: bytes, pos: int) -> bool:
    """``pos`` is inside the query string of a URL: ids there are the rule, not secrets."""
    word_start = max(b.rfind(b" ", 0, pos), b.rfind(b"\n", 0, pos), b.rfind(b"(", 0, pos),
                     b.rfind(b"\"", 0, pos)) + 1
    word = b[word_start:pos]
    return b"://" in word and b"?" in word


def _marked_allowed(b: bytes, line_start: int, pos: int) -> bool:
    """A detect-secrets or gitleaks marker on the secret's line, or a detect-secrets
    next-line marker on the line before."""
    line_end = b.find(b"\n", pos)
    line = b[line_start:line_end if line_end != -1 else len(b)]
    if any(marker in line for marker in _ALLOW_LINE):
        return True
    if line_start == 0:
        return False
    previous = b[b.rfind(b"\n", 0, line_start - 1) + 1:line_start]
    return _ALLOW_NEXT_LINE in previous


def _back_over(b: bytes, pos: int, chars: frozenset[int], limit: int) -> int:
    start = pos
    while start > 0 and pos - start < limit and b[start - 1] in chars:
        start -= 1
    return start


def _sre_keywords(b: bytes, lower: bytes) -> Iterable[tuple[int, int, str]]:
    """Keyword candidates around each anchor word (the full pattern starts with a class that
    `re` would try at every byte)."""
    seen: set[int] = set()
    for anchor in _KEYWORD_GATES:
        i = lower.find(anchor)
        while i != -1:
            start = _back_over(b, i, _IDENT_CHARS, 256)
            if b[start:start + 2] == b"--" or start not in seen:
                m = _KEYWORD_FULL.match(b, start)
                if m is None and i and b[i - 1:i] in b"?&":
                    m = _KEYWORD_FULL.match(b, i - 1)
                if m is not None and m.start() not in seen:
                    seen.add(m.start())
                    yield m.start(), -m.end(), "keyword"
            i = lower.find(anchor, i + 1)


def _sre_emails(b: bytes, pattern: re.Pattern[bytes]) -> Iterable[tuple[int, int, str]]:
    i = b.find(b"@")
    while i != -1:
        m = pattern.search(b, max(0, i - 128), i + 256)
        while m is not None and m.end() <= i:
            m = pattern.search(b, m.end(), i + 256)
        if m is not None and m.start() <= i:
            yield m.start(), -m.end(), "email"
            i = b.find(b"@", m.end())
        else:
            i = b.find(b"@", i + 1)


_SCANNERS: dict[tuple[Privacy, str | None], Scanner] = {}


def scanner(settings: Privacy, engine: str | None = None) -> Scanner:
    """The scanner of these settings (built once: compiling the patterns costs ~30 ms)."""
    key = (settings, engine)
    found = _SCANNERS.get(key)
    if found is None:
        found = _SCANNERS[key] = Scanner(settings, engine)
    return found
