"""Does "forgot password" answer as fast for an unknown address as for a real account?

Run: PYTHONPATH=. .venv/bin/python bench/forgot_timing.py [ROUNDS]

Posts the form ROUNDS times (default 200) for an address with an account and for addresses without
one, alternating, in-process with Flask's test client on a throwaway SQLite database, with mail sent
to a real local SMTP server (aiosmtpd, from the test extra). Prints the median and 90th percentile
of each, and how many e-mails arrived (one per post for the real account, none for the others).
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app  # noqa: E402
from lms.db import Base, get_session  # noqa: E402
from lms.services import accounts, mail  # noqa: E402
from tests.helpers import SmtpSink  # noqa: E402


def main(rounds: int) -> None:
    folder = tempfile.mkdtemp(prefix="sala-forgot-")
    with SmtpSink() as sink:
        app = create_app(
            {
                "INSTANCE_PATH": f"{folder}/instance",
                "DATABASE_URL": f"sqlite:///{folder}/bench.db",
                "RATELIMIT_ENABLED": False,
                "BASE_URL": "https://sala.example.org",
                **sink.config(),
            }
        )
        Base.metadata.create_all(app.extensions["lms.engine"])
        with app.app_context():
            accounts.register(
                get_session(), name="Known Person", email="known@example.org", password="a long passphrase"
            )
            get_session().commit()
        client = app.test_client()
        html = client.get("/password/forgot").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        times: dict[str, list[float]] = {"account": [], "no account": []}
        for i in range(rounds):
            for kind, email in (("account", "known@example.org"), ("no account", f"nobody{i}@example.org")):
                start = time.perf_counter()
                response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
                times[kind].append(time.perf_counter() - start)
                assert response.status_code == 200, response.status_code
        mail.wait_idle(60)
        for kind, values in times.items():
            values.sort()
            print(
                f"{kind:>10}: median {statistics.median(values) * 1000:6.1f} ms, "
                f"p90 {values[int(len(values) * 0.9)] * 1000:6.1f} ms ({len(values)} posts)"
            )
        print(f"e-mails received: {len(sink.messages)} (expected {rounds})")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
