"""The scan for secrets and personal data: each format found at its exact place, ordinary
incident text left alone, allow-lists, masks, and both regex engines alike."""

from __future__ import annotations

import dataclasses
import random
import string
import uuid

import privacy_fixtures as fx
import privacy_negatives
import pytest

from postmortem.config import DEFAULT_ALLOW_DOMAINS, DEFAULT_ALLOW_NETWORKS, Privacy
from postmortem.privacy import scan as scan_module
from postmortem.privacy.scan import PERSONAL, SECRET, Finding, Scanner
from postmortem.privacy.values import mask

ENGINES = ["re", *(["re2"] if scan_module.ENGINE == "re2" else [])]
DEFAULT = Privacy()


def scan(text: str, settings: Privacy = DEFAULT, engine: str | None = None) -> list[Finding]:
    return scan_module.scanner(settings, engine).scan(text.encode())


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# ---- what is found ---------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "category", "text", "value"), fx.ALL_POSITIVES,
                         ids=[f"{i}-{k}" for i, (k, *_) in enumerate(fx.ALL_POSITIVES)])
def test_each_fixture_is_found_with_its_kind_and_exact_span(engine: str, kind: str,
                                                             category: str, text: str,
                                                             value: str) -> None:
    found = [f for f in scan(text, engine=engine) if f.value == value]
    assert [(f.kind, f.category) for f in found] == [(kind, category)]
    assert text.encode()[found[0].start:found[0].end].decode() == value


@pytest.mark.parametrize("text", [
    "aws_access_key_id = AKIAJPJOMKEFOIUC5LG",  # 19 characters: too short
    "ghp_" + "a" * 20,  # too short
    "Card 4111 1111 1111 1112 was declined",  # Luhn fails
    "IBAN DE89370400440532013001",  # mod 97 fails
    "Request from 300.64.213.17 blocked",  # not an address
    "Anrufer: +49 30 12",  # too short
    "Anrufer: +99 123 456789",  # no such country code
    'logged "eyJub3QiOiJhIGp3dCJ9.eyJ4Ijox" (truncated)',  # two parts only
    "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
])
def test_near_misses_are_no_findings(engine: str, text: str) -> None:
    assert scan(text, engine=engine) == []


@pytest.mark.parametrize("text", fx.NEGATIVES)
def test_ordinary_incident_text_gives_nothing(engine: str, text: str) -> None:
    assert [(f.kind, f.value) for f in scan(text, engine=engine)] == []


@pytest.mark.parametrize("text", fx.ALLOWED_BY_DEFAULT)
def test_documentation_values_and_placeholders_give_nothing(engine: str, text: str) -> None:
    assert [(f.kind, f.value) for f in scan(text, engine=engine)] == []


def test_generated_hard_negatives_give_nothing(engine: str) -> None:
    lines = privacy_negatives.generate(3000, seed=11)
    found = scan("\n".join(lines), engine=engine)
    assert [(f.kind, lines[f.line - 1]) for f in found] == []


def test_shas_uuids_and_hex_ids_are_never_secrets() -> None:
    rng = random.Random(5)
    for _ in range(300):
        sha = "".join(rng.choice("0123456789abcdef") for _ in range(40))
        u = str(uuid.UUID(int=rng.getrandbits(128)))
        for line in (f'commit: "{sha}"', f"GIT_SHA={sha}", f"sha = '{sha[:12]}'",
                     f"request_id={u}", f'"id": "{u}"', f"trace={u.replace('-', '')}",
                     f"digest: sha256:{sha}{sha[:24]}"):
            assert scan(line) == [], line


def test_random_assigned_tokens_are_high_entropy_secrets() -> None:
    rng = random.Random(6)
    alphabet = string.ascii_letters + string.digits
    missed = 0
    for _ in range(500):
        token = "".join(rng.choice(alphabet) for _ in range(32))
        missed += [f.kind for f in scan(f"WEBHOOK_SIGNING={token}")] != ["high-entropy"]
    assert missed <= 10  # a random token may look like words or have fewer than 2 digits


def test_every_secret_kind_is_a_secret_and_personal_data_personal() -> None:
    found = scan("\n".join(text for _, _, text, _ in fx.ALL_POSITIVES))
    assert {f.value for f in found} >= {value for _, _, _, value in fx.ALL_POSITIVES}
    for f in found:
        assert f.category == (PERSONAL if f.kind in scan_module.PERSONAL_KINDS else SECRET)


# ---- positions -------------------------------------------------------------------------------

def test_line_and_column_count_characters() -> None:
    text = "timeline:\n  - note: \"Rückruf → ✅ von +49 151 23456789\"\n"
    (f,) = scan(text)
    assert (f.line, f.col) == (2, text.splitlines()[1].index("+49") + 1)
    assert f.value == "+49 151 23456789"


def test_a_private_key_spans_its_block_in_an_indented_block_scalar() -> None:
    text = "fixes:\n  - commands: |\n      " + fx.PEM_RSA.replace("\n", "\n      ") + "\n"
    (f,) = scan(text)
    assert (f.kind, f.line, f.col) == ("private-key", 3, 7)
    assert f.value.startswith("-----BEGIN RSA PRIVATE KEY-----")
    assert f.value.endswith("-----END RSA PRIVATE KEY-----")


def test_of_overlapping_findings_the_most_specific_stays() -> None:
    assert [f.kind for f in scan(f"Authorization: Bearer {fx.JWT}")] == ["jwt"]
    assert [f.kind for f in scan(f"SLACK_TOKEN={fx.SLACK_BOT}")] == ["slack-token"]


# ---- masks -----------------------------------------------------------------------------------

def test_a_mask_shows_at_most_four_characters_and_the_length() -> None:
    for _kind, _category, text, _value in fx.ALL_POSITIVES:
        for f in scan(text):
            if f.kind == "email":
                continue
            shown = mask(f.value)
            head, _, rest = shown.partition("…")
            assert len(head) <= 4 and f.value.startswith(head), shown
            assert rest == f"({len(f.value)} chars)"


def test_mask_formats() -> None:
    assert mask(fx.AWS_AKID) == "AKIA…(20 chars)"
    assert mask(fx.GH_PAT) == "ghp_…(40 chars)"
    assert mask("hunter2") == "h…(7 chars)"
    assert mask("abc") == "…(3 chars)"
    assert mask("anna.mueller@gmail.com", email=True) == "a…@gmail.com"
    assert mask(fx.PEM_EC) == f"----…({len(fx.PEM_EC)} chars)"


# ---- allow-lists -----------------------------------------------------------------------------

def test_allowed_values_are_compared_normalised() -> None:
    settings = Privacy(allow_values=("+49 30 901820", "DE89370400440532013000", fx.GH_PAT))
    text = (f"call +49 (30) 901820 or +49 30 901820; IBAN DE89 3704 0044 0532 0130 00; "
            f"token {fx.GH_PAT}")
    assert len(scan(text)) == 4
    assert scan(text, settings) == []


def test_allowed_domains_cover_e_mail_and_url_credentials() -> None:
    text = "mail anna@acme-corp.de; git clone https://bot:S3cr3tPassw0rd@git.acme-corp.de/x.git"
    assert [f.kind for f in scan(text)] == ["email", "password-in-url"]
    settings = Privacy(allow_domains=(*DEFAULT_ALLOW_DOMAINS, "acme-corp.de"))
    assert scan(text, settings) == []


def test_test_cards_pass_only_when_configured() -> None:
    text = "Stripe test card 4242 4242 4242 4242"
    assert [f.kind for f in scan(text)] == ["card"]
    assert scan(text, Privacy(allow_test_cards=True)) == []
    other = "Card 4539 1488 0343 6467"  # Luhn-valid, no published test number
    assert [f.kind for f in scan(other, Privacy(allow_test_cards=True))] == ["card"]


def test_allowed_networks() -> None:
    text = "from 10.0.3.17 and 91.64.213.17"
    assert [f.value for f in scan(text)] == ["10.0.3.17", "91.64.213.17"]
    settings = Privacy(allow_networks=(*DEFAULT_ALLOW_NETWORKS, "10.0.0.0/8"))
    assert [f.value for f in scan(text, settings)] == ["91.64.213.17"]


def test_private_networks_pass_only_when_configured() -> None:
    text = "from 10.0.3.17, 192.168.1.20, fd00::17 and 91.64.213.17"
    assert len(scan(text)) == 4
    assert [f.value for f in scan(text, Privacy(allow_private_networks=True))] \
        == ["91.64.213.17"]


def test_other_scanners_markers_allow_secrets_on_their_line() -> None:
    assert scan(f"key = '{fx.STRIPE_TEST}'  # pragma: allowlist secret") == []
    assert scan(f"# pragma: allowlist nextline secret\nkey = '{fx.STRIPE_TEST}'") == []
    assert scan(f"key = '{fx.STRIPE_TEST}'  # gitleaks:allow") == []
    assert len(scan(f"# pragma: allowlist nextline secret\n\nkey = '{fx.STRIPE_TEST}'")) == 1
    phone = "+49 151 23456789"
    assert len(scan(f"{phone}  # pragma: allowlist secret")) == 1  # secrets only


def test_phone_regions_are_configurable() -> None:
    text = "Praxis: 030 12345678"
    assert [f.detail for f in scan(text)] == ["DE"]
    assert scan(text, Privacy(phone_regions=("US",))) == []


# ---- engines ---------------------------------------------------------------------------------

@pytest.mark.skipif(len(ENGINES) < 2, reason="google-re2 is not installed")
def test_both_engines_find_the_same() -> None:
    lines = privacy_negatives.generate(2000, seed=3)
    texts = [*(t for _, _, t, _ in fx.ALL_POSITIVES), *fx.NEGATIVES, *fx.ALLOWED_BY_DEFAULT,
             *("\n".join(lines[i:i + 50]) for i in range(0, 2000, 50)),
             "\n".join(t for _, _, t, _ in fx.ALL_POSITIVES)]
    for text in texts:
        assert scan(text, engine="re") == scan(text, engine="re2")


def test_text_without_candidates() -> None:
    assert scan("") == []
    assert scan("Der Route-Cache wurde vor der Registrierung generiert.\n" * 100) == []


def test_settings_are_hashable_and_scanners_shared() -> None:
    other = dataclasses.replace(DEFAULT, allow_test_cards=True)
    assert scan_module.scanner(DEFAULT) is scan_module.scanner(Privacy())
    assert scan_module.scanner(other) is not scan_module.scanner(DEFAULT)
    assert isinstance(scan_module.scanner(DEFAULT), Scanner)


# ---- found since: misses and false positives of real incident text ---------------------------

@pytest.mark.parametrize(("text", "kind", "value"), [
    ("iptables: SRC=91.64.213.17 DST=192.0.2.10", "ip", "91.64.213.17"),  # a lone = assigns
    ("nginx: client=91.64.213.17 upstream timed out", "ip", "91.64.213.17"),
    ("Rückruf an jürgen.müller@web.de erbeten", "email", "jürgen.müller@web.de"),
    ("Kontakt: anna@müller-bau.de", "email", "anna@müller-bau.de"),
    ("Zitat: „anna@gmx.de“", "email", "anna@gmx.de"),
    ("Handy: 0049 151 23456789", "phone", "0049 151 23456789"),  # 00 for +
    ('event: "{\\"password\\": \\"Xk9vQ2mLp7Rt\\"}"', "assigned-secret", "Xk9vQ2mLp7Rt"),
    ('event: "curl -H \\"Authorization: Bearer 8f3kLx92mQpZ7vRt4nWb\\""', "assigned-secret",
     "8f3kLx92mQpZ7vRt4nWb"),  # without the backslash of the escaped quote
    ("event: password=Xk9vQ2mLp7Rt was used", "assigned-secret", "Xk9vQ2mLp7Rt"),  # not P006
    ("note: value=Vq8Lm2XzR4tB9wK3nP7sJ5dF", "high-entropy", "Vq8Lm2XzR4tB9wK3nP7sJ5dF"),
])
def test_values_in_real_incident_text_are_found_whole(engine: str, text: str, kind: str,
                                                      value: str) -> None:
    assert [(f.kind, f.value) for f in scan(text, engine=engine)] == [(kind, value)]


@pytest.mark.parametrize("text", [
    "pip install urllib3==2.0.7.1 'brotlicffi>=1.2.0.0' 'x!=1.2.3.4'",
    "Hotline 0800 123 4567 war überlastet",  # toll-free: a company's line
    "Service-Hotline: 0180 5 123456",  # shared cost
    "call +1 800 555 0199 (AWS support)",
    "alerts went to oncall@booking.de and support@booking.de, not to noreply@booking.de",
    "log: payload=eyJvcmRlcklkIjoxMjM0NTZ9 decoded",  # base64 of {"orderId":123456}
    'body: "SGVsbG8gV29ybGQhIFRoaXMgaXMgYSB0ZXN0IHBheWxvYWQ="',  # base64 of a sentence
    "order 004915123456789 shipped",  # a digit run without a phone label
])
def test_service_numbers_role_mailboxes_and_encoded_text_give_nothing(engine: str,
                                                                      text: str) -> None:
    assert [(f.kind, f.value) for f in scan(text, engine=engine)] == []
