"""The `lms` command: everything `flask` offers, plus Sala's own commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext

from lms.db import get_session


def _create_app(*_args):
    from lms import create_app

    return create_app()


cli = FlaskGroup(create_app=_create_app, help="Sala, an accessible learning platform.")


def main() -> None:
    cli(prog_name="lms")


def register_commands(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(import_content)
    app.cli.add_command(users_group)
    app.cli.add_command(serve)
    app.cli.add_command(certificates_group)
    app.cli.add_command(export_course)
    app.cli.add_command(import_course)
    from lms.cli_ops import backup_command, restore_command, send_test_mail

    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(send_test_mail)


@click.group("db", help="Database schema.")
def db_group():
    pass


@db_group.command("upgrade", help="Bring the schema up to date (Alembic migrations).")
@with_appcontext
def db_upgrade():
    from lms import migrate

    migrate.upgrade(current_app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@db_group.command("revision", help="Write a new migration from the models (developers).")
@click.option("-m", "--message", required=True)
@with_appcontext
def db_revision(message: str):
    from lms import migrate

    migrate.revision(current_app.config["DATABASE_URL"], message)


@click.command("import-content", help="Import or update courses from content/courses (idempotent).")
@click.option("--path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None)
@with_appcontext
def import_content(path: Path | None):
    from lms.errors import ContentError
    from lms.services.course_import import import_all

    session = get_session()
    folder = path or Path(current_app.config["CONTENT_DIR"])
    try:
        courses = import_all(session, folder, Path(current_app.config["MEDIA_DIR"]))
    except ContentError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    session.commit()
    for course in courses:
        click.echo(
            f"{course.slug}: {len(course.units)} units, "
            f"{len(course.quiz.questions) if course.quiz else 0} quiz questions"
        )
    click.echo(f"Imported {len(courses)} course(s) from {folder}.")


@click.command("export-course", help="Write a course to a zip in the content/courses format.")
@click.argument("slug")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export_course(slug: str, out: Path):
    from sqlalchemy import select

    from lms.content.exporter import export_course_zip
    from lms.errors import LmsError
    from lms.models import Course

    course = get_session().scalars(select(Course).where(Course.slug == slug)).first()
    if course is None:
        raise click.ClickException(f"No course has the slug {slug!r}.")
    tmp = out.with_name(out.name + ".part")
    try:
        with open(tmp, "wb") as fh:
            export_course_zip(course, Path(current_app.config["MEDIA_DIR"]), fh)
        os.replace(tmp, out)
    except LmsError as err:
        raise click.ClickException(err.message) from None
    finally:
        tmp.unlink(missing_ok=True)
    click.echo(f"Wrote {course.slug} ({len(course.units)} units) to {out}.")


@click.command("import-course", help="Import or update a course from a zip (checked before anything is saved).")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def import_course(file: Path):
    from lms.content.archive import Limits
    from lms.errors import LmsError
    from lms.services import course_archive

    session = get_session()
    try:
        with open(file, "rb") as fh:
            result = course_archive.import_course_archive(
                session, fh, Path(current_app.config["MEDIA_DIR"]), limits=Limits.from_config(current_app.config)
            )
    except LmsError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    session.commit()
    course = result.course
    click.echo(
        f"{'Imported' if result.created else 'Updated'} {course.slug}: {len(course.units)} units, "
        f"{len(course.quiz.questions) if course.quiz else 0} quiz questions."
    )
    for unit in result.held_back:
        click.echo(f"Kept as a draft (fails the accessibility check): {unit.slug}")


@click.group("users", help="Accounts.")
def users_group():
    pass


@users_group.command("create", help="Create an account (learner, trainer or admin).")
@click.option("--email", required=True)
@click.option("--name", default=None)
@click.option("--role", type=click.Choice(["learner", "trainer", "admin"]), default="learner")
@click.option("--password", default=None, help="Asked for when not given.")
@with_appcontext
def users_create(email: str, name: str | None, role: str, password: str | None):
    from lms.errors import LmsError
    from lms.services import accounts

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    session = get_session()
    try:
        user = accounts.register(session, name=name or email.split("@")[0], email=email, password=password, role=role)
    except LmsError as err:
        raise click.ClickException(err.message) from None
    if user is None:
        raise click.ClickException(
            f"{email} already has an account. To let its owner in, run: lms users reset-link {email}"
        )
    session.commit()
    click.echo(f"Created {user.role} {user.email}.")


@users_group.command(
    "reset-link",
    help="Print a link that lets the account's owner set a new password "
    "(works once, for one hour; using it signs the account out everywhere).",
)
@click.argument("email")
@with_appcontext
def users_reset_link(email: str):
    from flask import url_for

    from lms.config import public_base_url
    from lms.services import accounts, audit

    user = accounts.find_user(get_session(), email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}.")
    token = accounts.reset_token(user, current_app.config["SECRET_KEY"])
    audit.record(get_session(), "reset_link_made", email=user.email, detail="lms users reset-link")
    get_session().commit()
    with current_app.test_request_context("/"):
        # The path only: the address in front is the configured one, as in certificate links.
        path = url_for("auth.reset_password", token=token)
    click.echo(f"Send this link to {user.email} by a channel you trust. It works once, until one hour from now:")
    click.echo(public_base_url() + path)


@users_group.command("set-role", help="Change an account's role; refuses to remove the last admin.")
@click.option("--email", required=True)
@click.option("--role", type=click.Choice(["learner", "trainer", "admin"]), required=True)
@with_appcontext
def users_set_role(email: str, role: str):
    from lms.services import accounts, audit, roles

    session = get_session()
    user = accounts.find_user(session, email)
    if user is None:
        raise click.ClickException(f"No account has the email address {email}.")
    if user.role == "admin" and role != "admin" and roles.admin_count(session) <= 1:
        raise click.ClickException(f"{user.email} is the only admin. Make someone else an admin first.")
    if user.role != role:
        audit.record(session, "role_changed", email=user.email, detail=f"{user.role} → {role} (lms users set-role)")
    user.role = role
    session.commit()
    click.echo(f"{user.email} is now a {role}.")


@click.command("serve", help="Serve the site with gunicorn on 127.0.0.1:5000 (threaded workers, see lms/serving.py).")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=5000, type=int)
@click.option("--workers", default=None, type=int, help="Processes. Default: one per CPU core.")
@click.option("--threads", default=None, type=int, help="Threads per process. Default: 2 × cores + 1.")
@click.option(
    "--timeout",
    default=None,
    type=int,
    help="Seconds before a hung worker is restarted (idle connections never trigger it). Default: 30.",
)
@with_appcontext
def serve(host: str, port: int, workers: int | None, threads: int | None, timeout: int | None):
    from lms.config import is_loopback, public_url_problem

    if public_url_problem(current_app.config) and is_loopback(host) and not current_app.config.get("BASE_URL"):
        # Only this machine can reach a loopback address, so its own address is the public one.
        os.environ["LMS_BASE_URL"] = f"http://{host}:{port}"
    elif problem := public_url_problem(current_app.config):
        raise click.ClickException(problem)
    if problem := _port_taken(host, port):
        raise click.ClickException(problem)
    click.echo(f"Sala is running at http://{host}:{port}/ (press Ctrl+C to stop)")
    sys.stdout.flush()
    # glibc gives each thread that allocates its own malloc arena (up to 8 per core); freed memory
    # scattered over them is never given back, so a threaded worker's RSS only grows. Two arenas
    # keep it close to what the worker really holds (glibc manual, "Memory Allocation Tunables").
    os.environ.setdefault("MALLOC_ARENA_MAX", "2")
    # Workers (and the job worker) run as `python -OO` (Python docs, PYTHONOPTIMIZE): no docstrings
    # or asserts held in memory, 3-5 MiB less a worker, every process of `lms serve` alike. The
    # whole unit and functional suite passes under it (bench/RESULTS.md, memory).
    os.environ.setdefault("PYTHONOPTIMIZE", "2")
    gunicorn = Path(sys.executable).with_name("gunicorn")
    args = [str(gunicorn), "--config", "python:lms.serving", "--bind", f"{host}:{port}"]
    for flag, value in (("--workers", workers), ("--threads", threads), ("--timeout", timeout)):
        if value is not None:
            args += [flag, str(value)]
    os.execv(str(gunicorn), [*args, "lms.wsgi:app"])  # noqa: S606 - become gunicorn, fixed arguments


def _port_taken(host: str, port: int) -> str | None:
    """Why `lms serve` cannot listen at host:port, or None. Binding without SO_REUSEPORT fails
    while any other socket listens there, with or without that flag: gunicorn's workers bind with
    it (lms/serving.py), so without this test a second server on the same port would silently
    share its traffic with the first."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            return f"Cannot listen at {host}:{port}: {err.strerror}. Is Sala (or another server) already running there?"
    return None


@click.group("certificates", help="Certificates and their Open Badges credentials.")
def certificates_group():
    pass


@certificates_group.command(
    "verify",
    help="Check a downloaded Open Badges credential (JSON): its signature, "
    "that it comes from the expected site, and whether the issuer has revoked it.",
)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--key",
    "key_source",
    type=click.Path(exists=True, path_type=Path),
    default=None,
    help="The issuer's key document (saved from /issuer): the credential must name it as issuer. "
    "Default: this site's own key.",
)
@click.option(
    "--issuer",
    "issuer_url",
    default=None,
    metavar="URL",
    help="The site expected to have issued it (its address, e.g. https://sala.example.org). "
    "Default with this site's own key: this site's configured address.",
)
@click.option(
    "--status",
    "status_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="The issuer's revocation list (saved from the credential's statusListCredential address). "
    "Default with this site's own key: this site's list as it is now.",
)
@with_appcontext
def certificates_verify(file: Path, key_source: Path | None, issuer_url: str | None, status_file: Path | None):
    from lms.config import public_base_url
    from lms.credentials import keys, status
    from lms.credentials.verify import issuer_problem, load_key_source, read_json_file, verify_credential
    from lms.services import certificates

    checked: list[str] = []
    expected: str | None
    doc, problem = read_json_file(file)
    if problem is not None:
        raise click.ClickException(f"NOT VALID: {problem}")
    if key_source is None:
        # This site's own key: only under this site's names, never under whatever the file says.
        base_url = (issuer_url or public_base_url()).rstrip("/")
        expected = keys.issuer_id(base_url)
        public_keys, problem = load_key_source(Path(current_app.instance_path), base_url=base_url)
        key_from = f"this site's key ({keys.key_id(base_url)})"
    else:
        public_keys, problem = load_key_source(key_source)
        key_doc, _ = read_json_file(key_source)
        expected = key_doc.get("id") if isinstance(key_doc, dict) else None
        if issuer_url and expected != keys.issuer_id(issuer_url):
            raise click.ClickException(
                f"NOT VALID: the key document {key_source} is {expected!r}, not {keys.issuer_id(issuer_url)}"
            )
        if not isinstance(expected, str):
            raise click.ClickException(f"NOT VALID: the key document {key_source} has no id")
        key_from = f"the key document {key_source} ({expected})"
    if problem is not None or public_keys is None:
        raise click.ClickException(f"NOT VALID: {problem or 'no public key was found'}")
    problem = issuer_problem(doc, expected)
    if problem is not None:
        raise click.ClickException(f"NOT VALID: {problem}")
    checked.append(f"issuer is {expected}")
    result = verify_credential(doc, public_keys)
    if not result.ok:
        raise click.ClickException(f"NOT VALID: {result.reason}")
    checked.append(f"eddsa-rdfc-2022 signature by {result.verification_method}, with {key_from}")
    described = f"{result.subject_name} completed “{result.achievement_name}”, issued by {expected}"

    def report(verdict: str) -> str:
        return f"{verdict}: {described}.\nChecked: " + "; ".join(checked) + "."

    entry = status.status_entry_of(doc)
    if entry is None:
        click.echo(report("VALID") + " (The credential names no revocation list.)")
        return
    if status_file is not None:
        status_list, problem = read_json_file(status_file)
        if problem is not None:
            raise click.ClickException(f"STATUS NOT CHECKED: {problem}")
        list_from = f"the list {status_file}"
    elif key_source is None:
        # This site's own key, so this site's own list: built from the database, as served.
        status_list = certificates.status_list(
            get_session(),
            key=keys.load_or_create_issuer_key(current_app.instance_path),
            base_url=expected.removesuffix(keys.ISSUER_PATH),
        )
        list_from = "this site's list as it is now"
    else:
        click.echo(
            report("SIGNATURE VALID") + f"\nRevocation not checked: save the list at "
            f"{entry['statusListCredential']} and pass it with --status."
        )
        return
    verdict = status.check(doc, status_list, public_keys)
    if verdict.revoked is None:
        raise click.ClickException(f"STATUS NOT CHECKED: {verdict.reason} (the signature is valid: {described})")
    checked.append(f"revocation in {list_from}, signed, valid until {status_list.get('validUntil')}")
    if verdict.revoked:
        raise click.ClickException(report("REVOKED") + " The issuer has revoked it.")
    click.echo(report("VALID") + " Not revoked.")
