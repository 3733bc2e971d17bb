"""Ordinary incident text that is dense in things that look like secrets or personal data:
commit SHAs, UUIDs, ULIDs, trace ids, digests, versions, timestamps, durations, paths, shell
commands, SQL, log lines (Laravel, nginx, k8s, systemd, Postgres), stack traces, German
prose, dashboard links, env listings with redacted secrets, provider object ids.

None of it should give a finding. `generate(n, seed)` returns n lines (deterministic).
"""

# ruff: noqa: E501 -- one fixture a line reads better than one wrapped over three
from __future__ import annotations

import random
import string
import uuid

HEX = "0123456789abcdef"
ALNUM = string.ascii_letters + string.digits
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SERVICES = ["booking", "api-gateway", "checkout", "calendar-sync", "voice-agent", "webhooks"]
CLASSES = ["BindingResolutionException", "QueryException", "ConnectionException",
           "ModelNotFoundException", "TokenMismatchException", "ThrottleRequestsException"]
GERMAN = [
    "Die Buchung {n} schlug fehl, weil der Cal.com-Slot um {hm} Uhr bereits vergeben war.",
    "Ursache: Der Route-Cache wurde vor dem Deployment von {ver} neu gebaut.",
    "Die Telefon-Hotline war {m} Minuten nicht erreichbar; {n} Anrufe gingen verloren.",
    "Am {dd}.{mm}.2025 um {hm} Uhr meldete der Kunde den Fehler per Ticket #{n}.",
    "Maßnahme: Passwort-Rotation für den Datenbanknutzer ist für KW {kw} geplant.",
    "Der Token des Webhooks war abgelaufen; ein neuer wurde im Vault hinterlegt.",
    "Rückruf erfolgte innerhalb von {m} Minuten, Ticket {n} geschlossen.",
    "Zeile {n} in Kernel.php registriert die Middleware; {m} Routen betroffen.",
]


def _r(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def _line(rng: random.Random) -> str:
    sha = _r(rng, HEX, 40)
    u = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    svc = rng.choice(SERVICES)
    n = rng.randint(1, 99999)
    hm = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}"
    ts = f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {hm}:{rng.randint(0, 59):02d}"
    ver = f"v{rng.randint(1, 12)}.{rng.randint(0, 40)}.{rng.randint(0, 20)}"
    templates = [
        f"commit {sha}",
        f"Merge pull request #{n} from acme/fix-{svc}-cache ({sha[:7]})",
        f"git revert --no-edit {sha[:12]} && git push origin main",
        f"deployed {sha[:12]} ({ver}) to prod at {hm}",
        f"request_id={u} status=500 duration={rng.randint(1, 30000)}ms",
        f'{{"trace_id": "{_r(rng, HEX, 32)}", "span_id": "{_r(rng, HEX, 16)}", "service": "{svc}"}}',
        f"x-request-id: {_r(rng, CROCKFORD, 26)}",
        f"correlation-id: {u}",
        f"[{ts}] production.ERROR: {rng.choice(CLASSES)} in /var/www/{svc}/vendor/laravel/"
        f"framework/src/Illuminate/Container/Container.php:{rng.randint(10, 999)}",
        f"#{rng.randint(0, 40)} /var/www/{svc}/vendor/laravel/framework/src/Illuminate/Pipeline/"
        f"Pipeline.php({rng.randint(10, 300)}): App\\Http\\Middleware\\RetellCallRateLimiter->"
        "handle(Object(Illuminate\\Http\\Request), Object(Closure))",
        f"{svc}-{_r(rng, HEX, 9)}-{_r(rng, string.ascii_lowercase + string.digits, 5)}   0/1  "
        f"CrashLoopBackOff   {rng.randint(1, 20)} ({rng.randint(1, 59)}m{rng.randint(1, 59)}s ago)",
        f"Warning  BackOff  {rng.randint(1, 90)}s (x{rng.randint(2, 40)} over {rng.randint(1, 59)}m)"
        "  kubelet  Back-off restarting failed container",
        f"image: ghcr.io/acme/{svc}:{ver[1:]}@sha256:{_r(rng, HEX, 64)}",
        f"kubectl -n prod rollout undo deploy/{svc} --to-revision={rng.randint(1, 90)}",
        f"SELECT count(*) FROM bookings WHERE created_at > '{ts}' AND status = 'failed';",
        f'psql: error: connection to server at "db-{rng.randint(1, 9)}.prod" (port 5432) failed: '
        'FATAL:  too many connections for role "app"',
        f"curl -sS -H 'Accept: application/json' https://{svc}.example.com/api/v2/bookings/{u}",
        f"https://grafana.acme.io/d/{_r(rng, ALNUM, 9)}/{svc}-overview?orgId=1&from=now-6h&to=now"
        f"&var-service={svc}&viewPanel={rng.randint(1, 40)}",
        f"https://sentry.io/organizations/acme/issues/{rng.randint(10**9, 10**10)}/?project="
        f"{rng.randint(10**6, 10**7)}&query=is%3Aunresolved",
        f"https://docs.google.com/document/d/1{_r(rng, ALNUM + '-_', 43)}/edit#heading=h.{_r(rng, string.ascii_lowercase + string.digits, 12)}",
        rng.choice(GERMAN).format(n=n, hm=hm, ver=ver, m=rng.randint(2, 90),
                                  dd=f"{rng.randint(1, 28):02d}", mm=f"{rng.randint(1, 12):02d}",
                                  kw=rng.randint(1, 52)),
        f"MTTR {rng.randint(5, 300)} min, p95 {rng.randint(50, 5000)} ms, p99 {rng.randint(1, 30)}.{rng.randint(0, 9)} s, "
        f"error rate {rng.randint(1, 99)} %",
        f"{svc}.service: Main process exited, code=exited, status={rng.randint(1, 255)}/FAILURE",
        f"Step {rng.randint(1, 12)}/12 : RUN composer install --no-dev --optimize-autoloader",
        f" ---> Running in {_r(rng, HEX, 12)}",
        "APP_ENV=production APP_DEBUG=false LOG_CHANNEL=stack QUEUE_CONNECTION=redis",
        f"DB_HOST=db-{rng.randint(1, 9)}.prod DB_PORT=5432 DB_DATABASE=booking DB_USERNAME=app "
        "DB_PASSWORD=********",
        f"RETELL_AGENT_ID=agent_{_r(rng, HEX, 24)} CALCOM_EVENT_TYPE_ID={rng.randint(10**6, 10**7)}",
        f'  File "/srv/app/{svc}/tasks.py", line {rng.randint(1, 900)}, in sync_slots',
        f"\tat com.acme.booking.SlotService.reserve(SlotService.java:{rng.randint(10, 900)})",
        "*/5 * * * * /usr/bin/php /var/www/api/artisan schedule:run >> /dev/null 2>&1",
        f"ED25519 key fingerprint is SHA256:{_r(rng, ALNUM + '+/', 43)}.",
        f'{{"id": "evt_{_r(rng, ALNUM, 24)}", "type": "payment_intent.payment_failed", '
        f'"data": {{"object": {{"id": "pi_{_r(rng, ALNUM, 24)}", "amount": {rng.randint(100, 99999)}}}}}}}',
        f'{{"booking_uid": "{_r(rng, ALNUM, 22)}", "eventTypeId": {rng.randint(10**5, 10**7)}, '
        f'"start": "2025-10-02T{hm}:00.000Z"}}',
        f'{{"call_id": "call_{_r(rng, HEX, 32)}", "agent_id": "agent_{_r(rng, HEX, 24)}", '
        f'"duration_ms": {rng.randint(1000, 900000)}}}',
        f"etag: W/\"{_r(rng, HEX, 32)}\"; cache-control: max-age={rng.randint(0, 86400)}",
        f"Upgraded PHP 8.3.{rng.randint(0, 14)} → 8.3.{rng.randint(0, 14)}, Laravel {ver}, "
        f"nginx 1.{rng.randint(20, 27)}.{rng.randint(0, 5)}",
        f"pip install 'requests>=2.{rng.randint(20, 34)}.0' urllib3=={rng.randint(1, 2)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}.{rng.randint(0, 9)}",
        f"Version {rng.randint(1, 20)}.{rng.randint(0, 20)}.{rng.randint(0, 20)}.{rng.randint(0, 200)} of the agent",
        f"Between {hm} and {hm} the queue grew to {rng.randint(100, 99999):,} jobs "
        f"({rng.randint(1, 99)}.{rng.randint(0, 9)}k/min).",
        f"Invoice {rng.randint(2019, 2025)}-{rng.randint(0, 999999):06d}, order {rng.randint(1000, 9999)}-{rng.randint(0, 9999):04d}",
        f"epoch {rng.randint(1_600_000_000, 1_800_000_000)} / {rng.randint(1_600_000_000_000, 1_800_000_000_000)} ms",
        f"aws s3 cp s3://acme-backups/{svc}/{ts[:10]}T02-00-00Z/db.sql.gz . --region eu-central-1",
        f"arn:aws:iam::{rng.randint(10**11, 10**12 - 1)}:role/{svc}-deploy",
        f"ssh -i ~/.ssh/deploy_ed25519 deploy@{svc}-{rng.randint(1, 9)}.prod.acme.internal",
        f"Route::middleware('throttle:{rng.randint(10, 600)},1')->group(base_path('routes/api.php'));",
        f"token: <redacted>  # rotated at {hm}",
        "password: '${DB_PASSWORD}'",
        "Authorization: Bearer $RETELL_API_KEY",
        f"secret_name: {svc}-db-credentials",
        f"max_tokens: {rng.randint(100, 8000)}, tokens_used: {rng.randint(100, 9999)}",
        f"The password reset flow for tenant {n} sent {rng.randint(2, 9)} mails; the token expired after 15 min.",
    ]
    return rng.choice(templates)


def generate(n: int = 5000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [_line(rng) for _ in range(n)]


if __name__ == "__main__":
    for line in generate(20):
        print(line)
