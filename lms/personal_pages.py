"""Each worker's cache of signed-in learners' pages: the catalog, course, unit and quiz pages, my
learning and certificates (the views wear `@personal_page`).

A page is kept under the learner's id and page version (lms.services.page_versions), the
publication version (read at most PUBLICATION_CHECK_SECONDS ago, as for visitors' pages), the
interface language, Save-Data, the scheme and host, and the path with its query. Both versions
grow in the transaction of any change the page could show, so a learner who marks a unit done,
submits a quiz or is issued a certificate by the job worker sees it on the next page; a change to
public content shows within PUBLICATION_CHECK_SECONDS, as on visitors' pages.

What is never kept: pages for trainers and admins (they show other people's data) unless the view
names what that data is drawn from (`others`: the results dashboard), answers other
than a 200 HTML page, a page that set a cookie or changed the session (a flashed message shown,
say), and a page whose request itself changed a version (an open attempt started). The CSRF token
is cut out of a kept page and the requesting session's own put back, so a page kept for one
browser is valid in another of the same person's sign-ins and never carries another session's
token. Pages are kept in memory in each worker, least recently used first out, up to
PERSONAL_PAGE_CACHE_BYTES (cachetools, MIT).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from functools import wraps

from flask import Response, current_app, g, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from lms.db import session as db
from lms.services import page_versions
from lms.single_flight import SingleFlight
from lms.visitor_pages import publication_version, save_data

#: Stands for the CSRF token in a kept page (never in a real page: it is not base64url).
TOKEN_SLOT = b"\x00sala-csrf-token\x00"
#: Headers of the view's own answer that are not kept: the hooks set them again on every answer.
_NOT_KEPT = frozenset({"set-cookie", "content-length"})


class _Store:
    """A byte-bounded LRU map from key to (body bytes, headers), safe across a worker's threads."""

    def __init__(self, max_bytes: int) -> None:
        from cachetools import LRUCache  # on first use: pyld's dependency, kept out of start-up

        self._pages: LRUCache[tuple, tuple[bytes, list[tuple[str, str]]]] = LRUCache(
            maxsize=max_bytes, getsizeof=lambda entry: len(entry[0]) + 200
        )
        self._lock = threading.Lock()
        #: One render per key at a time (lms.single_flight).
        self.flights = SingleFlight()

    def get(self, key: tuple) -> tuple[bytes, list[tuple[str, str]]] | None:
        with self._lock:
            return self._pages.get(key)

    def put(self, key: tuple, entry: tuple[bytes, list[tuple[str, str]]]) -> None:
        if len(entry[0]) + 200 > self._pages.maxsize:
            return
        with self._lock:
            self._pages[key] = entry


def store() -> _Store:
    """This worker's store for the current app (made on first use)."""
    pages = current_app.extensions.get("lms.personal_pages")
    if pages is None:
        pages = current_app.extensions.setdefault(
            "lms.personal_pages", _Store(int(current_app.config["PERSONAL_PAGE_CACHE_BYTES"]))
        )
    return pages


def _key() -> tuple:
    return (
        current_user.id,
        current_user.page_version,
        publication_version(),
        str(get_locale()),
        save_data(),
        # Scheme and host too: behind a trusted proxy public links (the certificate page's
        # verification link and QR) name the host a request came through (config.public_base_url).
        request.root_url,
        # The path and the raw query, not request.full_path, which decodes the query strictly
        # (a byte that is not UTF-8 made every page answer 500) and cannot tell a "?" in the
        # path (%3F) from the one before the query.
        request.path,
        request.query_string,
    )


def _cacheable_request(for_everyone: bool) -> bool:
    return (
        request.method == "GET"
        and current_app.config["PERSONAL_PAGE_CACHE_BYTES"] > 0
        and current_user.is_authenticated
        and (for_everyone or current_user.role == "learner")
        and "_flashes" not in session
    )


def personal_page(view: Callable | None = None, *, others: Callable[..., Hashable] | None = None) -> Callable:
    """Serve a signed-in learner's GET of `view` from this worker's cache when nothing it shows
    has changed since it was rendered; else call `view` and keep its page when it may be kept
    (see the module's docstring). Any other request goes straight to `view`.

    `others`, for a page that shows other people's data (a trainer's results), is called with the
    view's arguments on every request, cached or not: it must check that the person may see the
    page (raising as the view would) and return what those people's data is drawn from (a
    version or a fingerprint), which joins the key; the page is then kept for any role.
    Used bare (`@personal_page`) or with `others` (`@personal_page(others=...)`)."""
    if view is None:
        return lambda inner: personal_page(inner, others=others)

    @wraps(view)
    def cached_view(*args, **kwargs):
        if not _cacheable_request(others is not None):
            return view(*args, **kwargs)
        shown = others(*args, **kwargs) if others is not None else None
        token = generate_csrf()  # before the snapshot: making the session's token is no change
        key = (*_key(), shown)
        pages = store()
        entry = pages.get(key)
        if entry is None:
            # On a miss, the worker's other threads missing the same page wait for this render.
            with pages.flights.turn(key):
                entry = pages.get(key)
                if entry is None:
                    return _render_and_keep(view, args, kwargs, pages, key, token)
        body, headers = entry
        return Response(body.replace(TOKEN_SLOT, token.encode("ascii")), status=200, headers=headers)

    return cached_view


def _render_and_keep(view: Callable, args: tuple, kwargs: dict, pages: _Store, key: tuple, token: str) -> Response:
    """The view's answer, kept under `key` when it may be (see the module's docstring)."""
    before = dict(session)
    db.info.pop(page_versions.BUMPED, None)
    response = make_response(view(*args, **kwargs))
    # Changes still pending would be flushed at the commit, after this check: flush them now,
    # so a request that changed anything (BUMPED) keeps nothing it rendered from them.
    db.flush()
    if (
        response.status_code == 200
        and response.mimetype == "text/html"
        and not response.direct_passthrough
        and "Set-Cookie" not in response.headers
        and not db.info.get(page_versions.BUMPED)
        and dict(session) == before
        and g.get("csrf_token") == token
    ):
        body = response.get_data().replace(token.encode("ascii"), TOKEN_SLOT)
        headers = [(name, value) for name, value in response.headers if name.lower() not in _NOT_KEPT]
        pages.put(key, (body, headers))
    return response
