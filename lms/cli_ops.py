"""Operations: `lms backup`, `lms restore` (the work is in lms/services/backups.py and restore.py) and
`lms send-test-mail`."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext


def _places():
    from lms.services.backups import Places

    config = current_app.config
    return Places(
        database_url=config["DATABASE_URL"],
        media_dir=Path(config["MEDIA_DIR"]),
        instance_dir=Path(current_app.instance_path),
        cache_dir=Path(config["CACHE_DIR"]) if config.get("CACHE_DIR") else None,
    )


@click.command(
    "backup",
    help="Write one archive (zip) of the database, the media folder and the instance folder's keys, "
    "consistent while the site is serving. Restore it with `lms restore`.",
)
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(out: Path):
    from lms.services import backups

    try:
        manifest = backups.backup(_places(), out)
    except backups.BackupError as err:
        raise click.ClickException(err.message) from None
    size = sum(f["size"] for f in manifest["files"])
    click.echo(
        f"Wrote {out}: the {manifest['database']} database (schema {manifest['alembic_revision']}) and "
        f"{len(manifest['files']) - 1} files, {size / 1e6:.1f} MB before compression."
    )
    click.echo("It holds the site's signing keys: keep it as safe as the server itself.")


@click.command(
    "restore",
    help="Bring back a backup made by `lms backup` into this site's database and folders "
    "(checked whole first). Refuses a site that holds data unless --force.",
)
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--force",
    is_flag=True,
    help="Replace this site's data. What is replaced is kept beside it, named *.before-restore-*.",
)
@with_appcontext
def restore_command(archive: Path, force: bool):
    from lms.services import backups, restore

    current_app.extensions["lms.engine"].dispose()
    try:
        manifest = restore.restore(_places(), archive, force=force)
    except backups.BackupError as err:
        raise click.ClickException(err.message) from None
    click.echo(
        f"Restored the backup of {manifest['created']} (Sala {manifest['sala_version']}, schema "
        f"{manifest['alembic_revision']}): the {manifest['database']} database and {len(manifest['files']) - 1} files."
    )
    for path in manifest["set_aside"]:
        click.echo(f"Kept what it replaced: {path}")
    click.echo("Next: run `lms db upgrade` to bring the schema up to this version of Sala, then start the site.")


@click.command(
    "send-test-mail",
    help="Send a test e-mail to EMAIL with the LMS_MAIL_* settings, now, and say what went wrong if it fails.",
)
@click.argument("email")
@with_appcontext
def send_test_mail(email: str):
    import smtplib

    from lms.services import mail

    settings = mail.MailSettings.from_config(current_app.config)
    if settings is None:
        raise click.ClickException("Mail is not configured: set LMS_MAIL_HOST and LMS_MAIL_FROM.")
    message = mail.compose(
        settings,
        email,
        f"{current_app.config['ISSUER_NAME']}: test e-mail",
        "This is a test e-mail from Sala (lms send-test-mail). Password reset links will arrive the same way.\n",
    )
    try:
        mail.send(settings, message)
    except (smtplib.SMTPException, OSError) as err:
        raise click.ClickException(f"Could not send through {settings.host}:{settings.port}: {err}") from None
    click.echo(f"Sent a test e-mail to {email} through {settings.host}:{settings.port}.")
