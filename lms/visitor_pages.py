"""The app cache of pages that are the same for every visitor: the catalog and a course page for
someone signed out (lms.catalog.views), the certificate verification pages (lms.certificates.views).

A page is kept in lms.extensions.cache under the path, locale, Save-Data and the publication
version (lms.services.publication, read at most PUBLICATION_CHECK_SECONDS ago by this worker), so a
repeat view costs no rendering and usually no query, and any publish, unpublish or edit changes
the key. Only pages rendered for an empty session, which stayed empty, are kept: nothing of one
person (a CSRF token, a flashed message) can reach another.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from lms.db import session as db
from lms.extensions import cache
from lms.services import publication
from lms.single_flight import SingleFlight


def save_data() -> bool:
    """Whether the browser asked to save data (`Save-Data: on`, the Save-Data client hint): pages
    then leave out posters and preload no media (kept pages are kept for each answer)."""
    return request.headers.get("Save-Data", "").strip().lower() == "on"


def publication_version() -> int:
    """The publication version as this worker read it at most PUBLICATION_CHECK_SECONDS ago
    (lms.services.publication.recent): the stamp of every page and results file the app keeps."""
    memo = current_app.extensions.setdefault("lms.publication", {})
    return publication.recent(db, memo, current_app.config["PUBLICATION_CHECK_SECONDS"])


def visitor_page(render: Callable[[], str], what: str = "") -> tuple[str, str | None]:
    """(html, etag) of the page `render()` makes. `etag` is a digest of the html (32 hex digits)
    when the page is the same for every visitor, from the cache or rendered now and kept; None when
    it is personal: someone is signed in, or the session is (or became while rendering) not empty.
    `what` tells apart pages that share a path but not a body (lms.certificates.views)."""
    if current_user.is_authenticated or session:
        return render(), None
    # The raw query, decoded as Latin-1 (any bytes): request.full_path decodes it as UTF-8 and
    # raised on a byte that is not (a 500 for a query a bot sends, which the view itself reads).
    query = request.query_string.decode("latin-1")
    # The host too: behind a trusted proxy with several host names, an absolute link names the host
    # the request came through (lms.config.public_base_url), as a learner's certificate page does;
    # visitors' pages have none today, and a page kept for one host must not reach another.
    key = f"page:{what}:{request.root_url}:{request.path}?{query}:{get_locale()}:{save_data()}:{publication_version()}"
    entry = cache.get(key)
    if entry is None:
        # The worker's other threads missing the same page meanwhile wait for this render.
        with _flights().turn(key):
            entry = cache.get(key)
            if entry is None:
                html = render()
                if session.modified or session:
                    return html, None
                # The digest is kept with the page, so a cached page or a 304 costs no hashing either.
                entry = (html, hashlib.sha256(html.encode("utf-8")).hexdigest()[:32])
                cache.set(key, entry)
    return entry


def _flights() -> SingleFlight:
    flights = current_app.extensions.get("lms.visitor_page_flights")
    if flights is None:
        flights = current_app.extensions.setdefault("lms.visitor_page_flights", SingleFlight())
    return flights
