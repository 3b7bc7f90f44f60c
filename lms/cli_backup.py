"""`lms backup` and `lms restore` (the work is in lms/services/backups.py and restore.py)."""

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
