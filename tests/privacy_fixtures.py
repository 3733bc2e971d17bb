"""Fixtures of the privacy scan: fake secrets in providers' real formats, personal data, and
ordinary text.

Nothing here is a real credential. Every token is built from a seeded RNG: random
characters of the right alphabet and length behind the provider's real prefix. Personal
data uses reserved or published test values where they exist (Ofcom drama numbers, NANP
555-01xx, documentation IBANs, the card networks' test numbers) and otherwise made-up
values of a valid shape and checksum.

`POSITIVES` is a list of (kind, category, text, expected_value): `text` is a snippet as it
would appear in an incident file (YAML value, code block, command, log line, JSON payload)
and `expected_value` is the exact substring a scanner should report.
`NEGATIVES` is a list of snippets from ordinary incident text that must give no finding.
"""

# ruff: noqa: E501 -- one fixture a line reads better than one wrapped over three
from __future__ import annotations

import base64
import json
import random
import string

_rng = random.Random(20261201)

B32 = string.ascii_uppercase + "234567"
ALNUM = string.ascii_letters + string.digits
UPPER_ALNUM = string.ascii_uppercase + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"


def r(alphabet: str, n: int) -> str:
    return "".join(_rng.choice(alphabet) for _ in range(n))


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(payload: dict) -> str:
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps(payload, separators=(",", ":")).encode())
    return f"{head}.{body}.{r(B64URL, 43)}"


def _iban(country: str, bban: str) -> str:
    """An IBAN with a valid ISO 7064 mod 97-10 check for a made-up BBAN."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(digits) % 97
    return f"{country}{check:02d}{bban}"


def _group4(s: str) -> str:
    return " ".join(s[i:i + 4] for i in range(0, len(s), 4))


def _pem(kind: str, lines: int = 6) -> str:
    body = "\n".join(r(B64, 64) for _ in range(lines)) + "\n" + r(B64, 20) + "=="
    return f"-----BEGIN {kind}-----\n{body}\n-----END {kind}-----"


# ---- secrets -----------------------------------------------------------------------------
AWS_AKID = "AKIA" + r(B32, 16)
AWS_ASIA = "ASIA" + r(B32, 16)
AWS_SECRET = r(B64, 40)
GH_PAT = "ghp_" + r(ALNUM, 36)
GH_OAUTH = "gho_" + r(ALNUM, 36)
GH_SERVER = "ghs_" + r(ALNUM, 36)
GH_FINE = "github_pat_11" + r(UPPER_ALNUM, 20) + "_" + r(ALNUM, 59)
GL_PAT = "glpat-" + r(B64URL, 20)
GL_RUNNER = "glrt-" + r(B64URL, 20)
SLACK_BOT = f"xoxb-{r(string.digits, 12)}-{r(string.digits, 13)}-{r(ALNUM, 24)}"
SLACK_USER = (f"xoxp-{r(string.digits, 12)}-{r(string.digits, 12)}-{r(string.digits, 13)}-"
              f"{r(HEX, 32)}")
SLACK_HOOK = (f"https://hooks.slack.com/services/T{r(UPPER_ALNUM, 8)}/B{r(UPPER_ALNUM, 10)}/"
              f"{r(ALNUM, 24)}")
STRIPE_LIVE = "sk_live_" + r(ALNUM, 99)
STRIPE_RESTRICTED = "rk_live_" + r(ALNUM, 24)
STRIPE_TEST = "sk_test_" + r(ALNUM, 24)
STRIPE_WHSEC = "whsec_" + r(ALNUM, 32)
GOOGLE_KEY = "AIza" + r(B64URL, 35)
GOOGLE_OAUTH_SECRET = "GOCSPX-" + r(B64URL, 28)
OPENAI_PROJ = "sk-proj-" + r(B64URL, 74) + "T3BlbkFJ" + r(B64URL, 74)
OPENAI_LEGACY = "sk-" + r(ALNUM, 20) + "T3BlbkFJ" + r(ALNUM, 20)
ANTHROPIC = "sk-ant-api03-" + r(B64URL, 93) + "AA"
TWILIO_KEY = "SK" + r(HEX, 32)
TWILIO_TOKEN = r(HEX, 32)
SENDGRID = "SG." + r(B64URL, 22) + "." + r(B64URL, 43)
NPM = "npm_" + r(ALNUM, 36)
PYPI = "pypi-AgEIcHlwaS5vcmc" + r(B64URL, 70)
MAILGUN = "key-" + r(HEX, 32)
JWT = _jwt({"sub": "1234567890", "name": "svc-booking", "iat": 1727774160})
JWT2 = _jwt({"iss": "retell", "call_id": r(HEX, 16), "exp": 1727777760})
PEM_RSA = _pem("RSA PRIVATE KEY")
PEM_OPENSSH = _pem("OPENSSH PRIVATE KEY", 4)
PEM_EC = _pem("EC PRIVATE KEY", 2)
PEM_PKCS8 = _pem("PRIVATE KEY", 8)
URL_PW1 = r(ALNUM, 14)
URL_PW2 = "hunter2-" + r(ALNUM, 6)
DB_PW = r(ALNUM, 10) + "!" + r(ALNUM, 5)
APP_KEY = "base64:" + base64.b64encode(bytes(_rng.randrange(256) for _ in range(32))).decode()
RETELL_KEY = "key_" + r(HEX, 26)
PLAIN_PW = "Winter2024!"
HIGH_ENTROPY = r(ALNUM, 32)
HIGH_ENTROPY2 = r(B64, 44)

POSITIVES: list[tuple[str, str, str, str]] = [
    # kind, category, text, expected value
    ("aws-access-key", "secret", f"aws configure set aws_access_key_id {AWS_AKID}", AWS_AKID),
    ("aws-access-key", "secret", f'2025-10-01 11:16:03 WARN sts creds={{"AccessKeyId":"{AWS_ASIA}"}}',
     AWS_ASIA),
    ("aws-secret-key", "secret", f"aws_secret_access_key = {AWS_SECRET}", AWS_SECRET),
    ("aws-secret-key", "secret", f"export AWS_SECRET_ACCESS_KEY={AWS_SECRET}", AWS_SECRET),
    ("github-token", "secret", f"git clone https://x-access-token:{GH_PAT}@github.com/acme/booking.git",
     GH_PAT),
    ("github-token", "secret", f"GITHUB_TOKEN: {GH_OAUTH}", GH_OAUTH),
    ("github-token", "secret", f"gh auth login --with-token <<< {GH_SERVER}", GH_SERVER),
    ("github-token", "secret", f"      token = \"{GH_FINE}\"", GH_FINE),
    ("gitlab-token", "secret", f"curl --header \"PRIVATE-TOKEN: {GL_PAT}\" https://gitlab.com/api/v4/projects",
     GL_PAT),
    ("gitlab-token", "secret", f"gitlab-runner register --token {GL_RUNNER}", GL_RUNNER),
    ("slack-token", "secret", f"SLACK_BOT_TOKEN={SLACK_BOT}", SLACK_BOT),
    ("slack-token", "secret", f"Posted with {SLACK_USER} from the laptop", SLACK_USER),
    ("slack-webhook", "secret", f"curl -X POST -d @alert.json {SLACK_HOOK}", SLACK_HOOK),
    ("stripe-key", "secret", f"STRIPE_SECRET={STRIPE_LIVE}", STRIPE_LIVE),
    ("stripe-key", "secret", f"restricted key {STRIPE_RESTRICTED} was rotated", STRIPE_RESTRICTED),
    ("stripe-key", "secret", f"\"stripe_key\": \"{STRIPE_TEST}\"", STRIPE_TEST),
    ("stripe-webhook-secret", "secret", f"webhook signing secret {STRIPE_WHSEC}", STRIPE_WHSEC),
    ("google-api-key", "secret", f"https://maps.googleapis.com/maps/api/geocode/json?key={GOOGLE_KEY}",
     GOOGLE_KEY),
    ("google-oauth-secret", "secret", f"client_secret: {GOOGLE_OAUTH_SECRET}", GOOGLE_OAUTH_SECRET),
    ("openai-key", "secret", f"OPENAI_API_KEY={OPENAI_PROJ}", OPENAI_PROJ),
    ("openai-key", "secret", f"openai.api_key = '{OPENAI_LEGACY}'", OPENAI_LEGACY),
    ("anthropic-key", "secret", f"-H \"x-api-key: {ANTHROPIC}\"", ANTHROPIC),
    ("twilio-key", "secret", f"twilio api:core:keys:fetch --sid {TWILIO_KEY}", TWILIO_KEY),
    ("sendgrid-key", "secret", f"SENDGRID_API_KEY='{SENDGRID}'", SENDGRID),
    ("npm-token", "secret", f"//registry.npmjs.org/:_authToken={NPM}", NPM),
    ("pypi-token", "secret", f"password = {PYPI}", PYPI),
    ("private-key", "secret", PEM_RSA, PEM_RSA),
    ("private-key", "secret", "    key: |\n      " + PEM_OPENSSH.replace("\n", "\n      "),
     PEM_OPENSSH.replace("\n", "\n      ")),
    ("private-key", "secret", "```\n" + PEM_EC + "\n```", PEM_EC),
    ("private-key", "secret", PEM_PKCS8, PEM_PKCS8),
    ("jwt", "secret", f"Authorization: Bearer {JWT}", JWT),
    ("jwt", "secret", f'{{"token": "{JWT2}", "status": 401}}', JWT2),
    ("password-in-url", "secret", f"git remote add origin https://deploy:{URL_PW1}@git.acme-corp.de/booking.git",
     URL_PW1),
    ("password-in-url", "secret", f"DATABASE_URL=postgres://app:{URL_PW2}@db.internal:5432/booking", URL_PW2),
    ("password-in-url", "secret", f"REDIS_URL=redis://:{DB_PW}@cache-1:6379/0", DB_PW),
    ("assigned-secret", "secret", f"DB_PASSWORD={DB_PW}", DB_PW),
    ("assigned-secret", "secret", f"    password: \"{PLAIN_PW}\"", PLAIN_PW),
    ("assigned-secret", "secret", f"TWILIO_AUTH_TOKEN={TWILIO_TOKEN}", TWILIO_TOKEN),
    ("assigned-secret", "secret", f"APP_KEY={APP_KEY}", APP_KEY),
    ("assigned-secret", "secret", f'{{"retell_api_key": "{RETELL_KEY}", "agent": "booking"}}', RETELL_KEY),
    ("assigned-secret", "secret", f"mysql --user=root --password={DB_PW} booking", DB_PW),
    ("assigned-secret", "secret", f"PGPASSWORD={PLAIN_PW} psql -h db -U app", PLAIN_PW),
    ("assigned-secret", "secret", "Zugang zum Dashboard: admin, Passwort: Geheim123!", "Geheim123!"),
    ("assigned-secret", "secret", f"curl -u deploy:{DB_PW} https://ci.acme-corp.de/api/json", DB_PW),
    ("mailgun-key", "secret", f"mailgun api_key: {MAILGUN}", MAILGUN),
    ("high-entropy", "secret", f"CALCOM_WEBHOOK_SIGNATURE={HIGH_ENTROPY}", HIGH_ENTROPY),
    ("high-entropy", "secret", f"  x-retell-signature: \"{HIGH_ENTROPY2}\"", HIGH_ENTROPY2),
]

# ---- personal data -------------------------------------------------------------------------
IBAN_DE = "DE89370400440532013000"            # widely published example
IBAN_GB = "GB29NWBK60161331926819"
IBAN_FR = "FR1420041010050500013M02606"
IBAN_DE2 = _iban("DE", r(string.digits, 18))
IBAN_CH = _iban("CH", r(string.digits, 17))
IBAN_AT = _iban("AT", r(string.digits, 16))
IBAN_NL = _iban("NL", "ABNA" + r(string.digits, 10))

PERSONAL: list[tuple[str, str, str, str]] = [
    ("email", "personal", "Reported by anna.mueller@gmail.com at 11:20", "anna.mueller@gmail.com"),
    ("email", "personal", '```json\n{"customer": {"name": "J. Doe", "email": "j.doe+booking@web.de"}}\n```',
     "j.doe+booking@web.de"),
    ("email", "personal", "[2025-10-01 11:16:03] production.INFO: booking created {\"email\":\"max.mustermann@t-online.de\"}",
     "max.mustermann@t-online.de"),
    ("email", "personal", "Kontakt: <mailto:Kerstin.Schulze@praxis-schulze.de>", "Kerstin.Schulze@praxis-schulze.de"),
    ("email", "personal", "cc: o'brien@acme-corp.co.uk", "o'brien@acme-corp.co.uk"),
    ("phone", "personal", "Anrufer: +49 30 901820, Rückruf erbeten", "+49 30 901820"),
    ("phone", "personal", "Testanruf von +49 151 23456789", "+49 151 23456789"),
    ("phone", "personal", '{"from_number": "+4915123456789", "to_number": "+493012345678"}', "+4915123456789"),
    ("phone", "personal", "Praxis: 030 12345678 (Mo–Fr)", "030 12345678"),
    ("phone", "personal", '{"caller": {"phone": "03012345678"}}', "03012345678"),
    ("phone", "personal", "Tel. 030/1234567-0", "030/1234567-0"),
    ("phone", "personal", "Handy: 0151-23456789", "0151-23456789"),
    ("phone", "personal", "Caller (555) 010-4477 hung up", "(555) 010-4477"),
    ("phone", "personal", "Customer at (212) 555-0187 was called back", "(212) 555-0187"),
    ("phone", "personal", "US support line +1 415 555 0132", "+1 415 555 0132"),
    ("phone", "personal", "UK caller +44 20 7946 0958", "+44 20 7946 0958"),
    ("phone", "personal", "UK mobile 07700 900123", "07700 900123"),
    ("phone", "personal", "Appel du +33 1 42 68 53 00", "+33 1 42 68 53 00"),
    ("phone", "personal", "Rappeler le 06 12 34 56 78", "06 12 34 56 78"),
    ("phone", "personal", "Zürich office +41 44 668 18 00", "+41 44 668 18 00"),
    ("phone", "personal", "Praxis Zürich 044 668 18 00", "044 668 18 00"),
    ("phone", "personal", "Wien +43 1 58858 0", "+43 1 58858 0"),
    ("iban", "personal", f"Refund to IBAN {IBAN_DE}", IBAN_DE),
    ("iban", "personal", f"IBAN: {_group4(IBAN_DE2)}", _group4(IBAN_DE2)),
    ("iban", "personal", f"GB account {_group4(IBAN_GB)}", _group4(IBAN_GB)),
    ("iban", "personal", f'{{"iban": "{IBAN_FR}"}}', IBAN_FR),
    ("iban", "personal", f"Überweisung von {_group4(IBAN_CH)}", _group4(IBAN_CH)),
    ("iban", "personal", f"Konto {IBAN_AT}", IBAN_AT),
    ("iban", "personal", f"NL rekening {IBAN_NL}", IBAN_NL),
    ("card", "personal", "Card 4111 1111 1111 1111 was declined", "4111 1111 1111 1111"),
    ("card", "personal", '{"card_number": "4242424242424242", "exp": "12/34"}', "4242424242424242"),
    ("card", "personal", "Mastercard 5555-5555-5555-4444", "5555-5555-5555-4444"),
    ("card", "personal", "Amex 3782 822463 10005", "3782 822463 10005"),
    ("card", "personal", "Discover 6011111111111117 charged twice", "6011111111111117"),
    ("card", "personal", "Visa debit 4000 0566 5566 5556", "4000 0566 5566 5556"),
    ("ip", "personal", "Request from 91.64.213.17 blocked", "91.64.213.17"),
    ("ip", "personal", '{"client_ip":"84.132.17.250","path":"/api/book"}', "84.132.17.250"),
    ("ip", "personal", "nginx: 46.114.5.201 - - [01/Oct/2025:11:16:03 +0200] \"POST /api HTTP/1.1\" 500",
     "46.114.5.201"),
    ("ip", "personal", "ssh deploy@10.0.3.17", "10.0.3.17"),
    ("ip", "personal", "client 2a02:8109:9c40:1f00:e5c1:3d2a:9b7e:41f2 reset the connection",
     "2a02:8109:9c40:1f00:e5c1:3d2a:9b7e:41f2"),
    ("ip", "personal", "resolver 2001:4860:4860::8888 timed out", "2001:4860:4860::8888"),
    ("ip", "personal", "IP: 100.20.5.228 (Retell whitelisted)", "100.20.5.228"),
]


# Formats ported from detect-secrets (docs/privacy.md), and providers.toml's formats that had
# no fixture. Drawn after the values above, which stay as they were.
GL_RUNNER_REGISTRATION = "GR1348941" + r(B64URL, 20)
PYPI_TEST = "pypi-AgENdGVzdC5weXBpLm9yZw" + r(B64URL, 70)
DISCORD = f"{b64url(str(_rng.randrange(10**17, 10**19)).encode())}.{r(B64URL, 6)}.{r(B64URL, 38)}"
TELEGRAM = f"{_rng.randrange(10**8, 10**10)}:AA{r(B64URL, 33)}"
MAILCHIMP = f"{r(HEX, 32)}-us{_rng.randrange(1, 22)}"
DIGITALOCEAN = "dop_v1_" + r(HEX, 64)
HUGGINGFACE = "hf_" + r(string.ascii_letters, 34)

POSITIVES += [
    ("gitlab-token", "secret", f"gitlab-runner register --registration-token {GL_RUNNER_REGISTRATION}",
     GL_RUNNER_REGISTRATION),
    ("pypi-token", "secret", f"twine upload -r testpypi -u __token__ -p {PYPI_TEST} dist/*", PYPI_TEST),
    ("discord-token", "secret", f'client.run("{DISCORD}")', DISCORD),
    ("telegram-token", "secret", f"the alert bot's token {TELEGRAM} was posted in #ops", TELEGRAM),
    ("mailchimp-key", "secret", f"MAILCHIMP_KEY {MAILCHIMP} hit the rate limit", MAILCHIMP),
    ("digitalocean-token", "secret", f"doctl auth init --access-token {DIGITALOCEAN}", DIGITALOCEAN),
    ("huggingface-token", "secret", f"huggingface-cli login --token {HUGGINGFACE}", HUGGINGFACE),
]
ALL_POSITIVES = POSITIVES + PERSONAL

# Values in the default allow-list: must give no finding with the default configuration.
ALLOWED_BY_DEFAULT: list[str] = [
    "Contact ops@example.org or noc@example.com",
    "alerts go to oncall@booking.example and bounce@mail.invalid",
    "curl http://127.0.0.1:8080/health && curl http://[::1]:8080/health",
    "listen 0.0.0.0:443",
    "documentation ranges 192.0.2.10, 198.51.100.7, 203.0.113.42 and 2001:db8::17",
    "DB_PASSWORD=${DB_PASSWORD}",
    "password: <redacted>",
    "api_key: '***'",
    "export API_TOKEN=$(vault kv get -field=token secret/booking)",
    "token: null",
    "password: changeme  # placeholder in .env.example",
    "Authorization: Bearer $TOKEN",
    "secret: see 1Password vault 'Booking'",
    "PASSWORD=xxxxxxxx",
    "client_secret: YOUR_CLIENT_SECRET",
    "https://user:password@example.com/",
]

# Ordinary incident text: must give no finding at all.
NEGATIVES: list[str] = [
    "commit 3f2a9c1b7e4d5f6a8b9c0d1e2f3a4b5c6d7e8f90 reverted the middleware",
    "Deployed a1b2c3d (short SHA) and then 9f8e7d6c5b4a",
    "git checkout 5e8c2f7a1d3b9e6c4a0f8d2b7e1c5a9f3d6b0e4c -- app/Http/Kernel.php",
    "request_id=6f1c2b7e-9a4d-4c3b-8e2f-1a5d7c9b3e0f failed after 30 s",
    "trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
    "image sha256:9b2a6e4f1c8d7e3a5b0f2c4d6e8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e1f2a3 pulled",
    "Upgraded PHP 8.3.12 → 8.3.13, Laravel v11.26.0, nginx 1.27.2, node 20.18.0",
    "Version 10.4.12.1 of the agent, build 2025.10.01.3",
    "Duration 1h 23m 45s; p99 1,234 ms; 00:05:12 of downtime; 4711 ms",
    "2025-10-01T11:16:03+02:00 first error; 2025-10-01 11:16:17.001 second; 01.10.2025 11:20",
    "epoch 1727774160 and 1727774160123 ms",
    "/var/www/api-gateway/storage/framework/cache/data/3f/2a/3f2a9c1b7e4d5f6a8b9c0d1e2f3a4b5c",
    "/home/deploy/.config/composer/vendor/bin/phpunit --filter=RetellCallRateLimiterTest",
    "chmod 755 /var/www && kill -9 12345 && sed -i 's/old/new/' config/app.php",
    "SELECT * FROM bookings WHERE id = 4711 AND created_at > now() - interval '30 seconds';",
    "psql -c \"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active'\"",
    "[2025-10-01 11:16:03] production.ERROR: Target class [retell.call.ratelimit] does not exist. "
    "{\"exception\":\"[object] (Illuminate\\\\Contracts\\\\Container\\\\BindingResolutionException(code: 0)\"}",
    "Der Route-Cache wurde VOR der Middleware-Registrierung generiert (Zeile 48, 240 Zeilen).",
    "Telefonnummer des Kunden wurde nicht gespeichert; Rückrufnummer fehlte in 12 von 340 Anrufen.",
    "Ticket #123456, Rechnung Nr. 2025-000123, Auftrag 4711-0815, PLZ 10115 Berlin",
    "arn:aws:iam::123456789012:role/deploy and account 123456789012",
    "booking-7f9c6d8b4-x2kqz restarted 3 times; pod api-gateway-5d4c8b9f7-qwv8z OOMKilled",
    "Failed requests: \"12,345\"; Revenue at risk: \"EUR 90,000\"; 1,234,567 requests",
    "HTTP/1.1 200 OK, port 5432, 8080 and 6379; 10:30 → 11:03 → 11:16",
    "The password reset flow sent a token that expired; API key rotation is planned.",
    "Rotate the secret key and the access token in the vault; the password field was empty.",
    "retell agent_9a8b7c6d5e4f3a2b1c0d9e8f call_5f4e3d2c1b0a9f8e7d6c5b4a took 2.5 s",
    "cal.com event type 2563193, slots cal_slots_15_0_2563193_2025-10-02",
    "npm install lodash@^4.17.21 express@4.21.1 @nestjs/core@10.4.5",
    "docker run -p 8080:80 -v /srv/data:/data nginx:1.27-alpine",
    "php artisan optimize:clear && php artisan route:cache && systemctl reload php8.3-fpm",
    "Route::middleware('retell.call.ratelimit')->post('/retell/collect-appointment', ...)",
    "std::vector<int> and Foo::bar::baz in the C++ client; ab::cd",
    "MAC 00:1a:2b:3c:4d:5e on eth0; 11:03:00 and 12:20:59",
    "Sent to https://booking.example.com/api/health/deep with curl -fsS",
    "AppointmentAlternativeFinder::findAlternatives(CollectAppointmentRequest $request)",
    "INCIDENT_REPORT_2025-10-01_Testanruf.md and DEPLOYMENT_VERIFICATION_CHECKLIST.md",
    "Error rate 23 %, 5xx 1.2k/min, memory 512M → 1.8G, CPU 180 %",
    "Tel.-Nr. bitte im CRM nachsehen; Durchwahl -12",
    "base64 -d <<< aGVsbG8= ; echo $((16#ff))",
    "ISBN 978-3-16-148410-0, DOI 10.1000/182, EAN 4006381333931",
    "version: \"3.8\"\nservices:\n  web:\n    image: ghcr.io/acme/booking:2025.10.1",
    "Between 11:16 and 12:20 users of `booking` saw errors on about 23 % of requests.",
    "kubectl -n prod rollout restart deploy/booking; kubectl -n prod top pods -l app=booking",
    "gh-ost --table=bookings --alter='ADD COLUMN note text' --execute",
    "curl -s -o /dev/null -w '%{http_code}' https://booking.example.com/api/ping",
    "journalctl --vacuum-size=500M; logrotate -f /etc/logrotate.d/booking; df -h /",
    "Die Kundin rief um 11:16 an, wartete 4 Minuten und legte auf.",
    "Sicherheitslücke CVE-2024-3094 (xz) betrifft uns nicht; CWE-79 geprüft",
    "Stripe event evt_1PqR2sT3uV4wX5yZ6aB7cD8e and charge ch_3PqR2sT3uV4wX5yZ1aBcDeFg failed",
    "Sentry issue 4567890123, event 9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c",
    "x-request-id: 01HZX3K4M5N6P7Q8R9S0T1V2W3",
    "backup s3://acme-backups/db/2025-10-01T02-00-00Z/booking.sql.gz (3.2 GB)",
    "JWT validation failed: token header eyJ... was truncated in the log",
    "-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE----- is the public cert",
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC is a public key prefix",
    "deployed 038657248507 (v1.26.1) to prod at 01:52",
    " ---> Running in 091102858110",
    "order 4539148803436467 shipped; invoice 5105105105105100-A",
    "git clone git@github.com:acme/booking.git && ssh root@prod-web-01.acme.de",
    "pip install 'urllib3==2.0.7.1' 'brotlicffi>=1.2.0.0'",
    "https://github.com/psf/requests/network/dependents?package_id=UGFja2FnZS01NzA4OTExNg%3D%3D",
    "booking_uid: 8jSwDTxc7LDMk6JZVXJwDp; eventTypeId=2563193",
    "curl -u admin:$ADMIN_PASSWORD https://ci.example.com && mysql -u root -p booking",
]
