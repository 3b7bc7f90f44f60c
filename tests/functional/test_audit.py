"""The audit log: what is recorded, kept through rolled-back requests, and read and filtered by admins
(issue 10, item 10)."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from lms.models import AuditEvent, User
from tests.factories import PASSWORD, make_user
from tests.helpers import csrf_token, post


def kinds(db) -> list[tuple[str, str]]:
    db.expire_all()
    return [(e.kind, e.email) for e in db.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_sign_ins_and_failed_sign_ins_are_recorded(app, client, db):
    """A failed sign-in is recorded although its request rolls back; a sign-in is recorded with the address."""
    make_user(app)
    assert post(client, "/login", {"email": "Learner@Example.org", "password": "wrong password!"}).status_code == 400
    assert post(client, "/login", {"email": "nobody@example.org", "password": "wrong password!"}).status_code == 400
    assert post(client, "/login", {"email": "learner@example.org", "password": PASSWORD}).status_code == 302
    assert kinds(db) == [
        ("sign_in_failed", "learner@example.org"),
        ("sign_in_failed", "nobody@example.org"),
        ("sign_in", "learner@example.org"),
    ]
    assert db.scalars(select(AuditEvent.address)).first() == "127.0.0.1"


def test_password_changes_resets_and_sign_out_everywhere_are_recorded(app, client, db):
    """Changing a password, making and using a reset link, and signing out everywhere each leave an event."""
    from lms.cli import users_reset_link

    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": PASSWORD})
    new = "a brand new passphrase"
    post(client, "/account/password", {"current": PASSWORD, "password": new, "confirm": new}, token_from="/account")
    post(client, "/account/sign-out-everywhere", token_from="/account")
    with app.app_context():
        output = CliRunner().invoke(users_reset_link, ["learner@example.org"]).output
    path = "/password/reset/" + output.rsplit("/password/reset/", 1)[1].strip()
    post(client, path, {"password": PASSWORD, "confirm": PASSWORD})
    assert [k for k, _e in kinds(db)] == [
        "sign_in",
        "password_changed",
        "signed_out_everywhere",
        "reset_link_made",
        "password_reset",
    ]


def test_role_changes_are_recorded_with_who_did_it(app, client, auth, db):
    """An admin changing a role leaves an event naming the admin, the account and both roles."""
    learner_id = make_user(app, email="someone@example.org")
    auth.as_new("admin")
    post(client, f"/admin/users/{learner_id}/role", {"role": "trainer"}, token_from="/admin/users")
    event = db.scalars(select(AuditEvent).where(AuditEvent.kind == "role_changed")).one()
    admin = db.scalars(select(User).where(User.email == "admin@example.org")).one()
    assert (event.email, event.detail, event.actor_id) == ("someone@example.org", "learner → trainer", admin.id)


def test_admin_reads_and_filters_the_log(app, client, auth):
    """The audit page lists events in a table and filters them by kind and e-mail; others may not read it."""
    make_user(app)
    post(client, "/login", {"email": "learner@example.org", "password": "wrong password!"})
    post(client, "/login", {"email": "learner@example.org", "password": PASSWORD})
    assert client.get("/admin/audit").status_code == 403
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account")})
    auth.as_new("admin")
    page = client.get("/admin/audit").get_data(as_text=True)
    assert "Sign-in failed" in page and "learner@example.org" in page and "<caption>" in page
    failed = client.get("/admin/audit?kind=sign_in_failed&email=LEARNER").get_data(as_text=True)
    assert failed.count("<tr>") == 2 and "Sign-in failed" in failed  # header row and one event
    none = client.get("/admin/audit?email=nobody%25").get_data(as_text=True)
    assert "0 events" in none
    bad = client.get("/admin/audit?since=not-a-date")
    assert bad.status_code == 400 and "<title>Error:" in bad.get_data(as_text=True)
