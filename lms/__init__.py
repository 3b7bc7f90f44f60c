"""Sala: an accessible, self-paced learning platform."""

from __future__ import annotations

import os

from flask import Flask

from lms.config import PROJECT_ROOT


def create_app(config: dict | None = None) -> Flask:
    """Build the app: config → db → login → babel → blueprints → error handlers → CLI.

    The instance folder (settings.py, secret key, SQLite file, media) is `config["INSTANCE_PATH"]`,
    else the LMS_INSTANCE_PATH environment variable, else instance/ in the project.
    """
    instance = (config or {}).get("INSTANCE_PATH") or os.environ.get("LMS_INSTANCE_PATH")
    app = Flask(
        __name__,
        instance_path=instance or str(PROJECT_ROOT / "instance"),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    from lms import config as config_module

    config_module.load(app, config)
    if app.config.get("TRUSTED_PROXIES"):
        # Believe X-Forwarded-* only from as many proxies as configured: the client address (rate
        # limits), scheme (Secure cookies, HSTS) and host (checked against TRUSTED_HOSTS).
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]

    from lms import db

    db.init_app(app)
    # ORM events that keep cached pages' version numbers (registered on import, in every process
    # that writes: web workers, the job worker, the CLI).
    from lms import headers
    from lms.services import page_versions, publication  # noqa: F401

    headers.init_app(app)  # before Flask-Login, so its hook sees the remember-me cookie

    from lms.auth.session import init_login
    from lms.extensions import babel, cache, csrf, limiter, select_locale

    csrf.init_app(app)
    init_login(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)
    cache.init_app(app)

    from flask_compress import Compress

    # Registered before the page hooks, so its after_request runs last, on the finished response.
    Compress(app)

    from lms import templating

    templating.init_app(app)

    from lms.admin.views import bp as admin_bp
    from lms.auth.views import bp as auth_bp
    from lms.author import bp as author_bp
    from lms.catalog.views import bp as catalog_bp
    from lms.certificates.views import bp as certificates_bp
    from lms.dashboard.views import bp as dashboard_bp
    from lms.learn.views import bp as learn_bp
    from lms.quiz.views import bp as quiz_bp
    from lms.quizauthor.views import bp as quizauthor_bp

    for bp in (
        catalog_bp,
        auth_bp,
        learn_bp,
        quiz_bp,
        certificates_bp,
        author_bp,
        admin_bp,
        quizauthor_bp,
        dashboard_bp,
    ):
        app.register_blueprint(bp)

    from lms import errors

    errors.init_app(app)

    from lms import jobs

    jobs.init_app(app)

    from lms.cli import register_commands

    register_commands(app)
    db.end_transactions(app)  # last: its hook runs first (lms.db.end_transactions)
    return app
