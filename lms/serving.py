"""gunicorn's configuration for `lms serve` and `make run`: threaded workers that idle and slow
connections cannot starve.

gunicorn reads this module as its config file (`gunicorn -c python:lms.serving lms.wsgi:app`);
`lms serve` passes the address and any option given on its command line, which win over these.

Why not gunicorn's default *sync* workers: a sync worker serves one connection at a time and, by
gunicorn's own documentation, needs a buffering proxy in front. A browser facing it directly keeps
idle and speculative connections open; each holds a worker until `timeout` kills it, and the request
behind it gets gunicorn's bare "Internal Server Error" page. The *gthread* worker (gunicorn docs,
"Design" → "AsyncIO workers" and settings `threads`, `keepalive`, `worker_connections`) keeps idle
and kept-alive connections in its main loop's poller, not in a thread, and the main loop tells the
arbiter it is alive whatever the connections do, so `timeout` only fires when a worker really hangs.

What a thread can still be held by: a client that sends part of a request's head and stops. The
worker class below bounds that with a socket timeout while the head is read (HEAD_READ_TIMEOUT),
then lifts it so a slow download of a long video on a 3G line is never cut off.

Errors gunicorn answers itself, before the app sees a request: a malformed request line or header
(400), a request line over `limit_request_line` (414), headers over `limit_request_fields` /
`limit_request_field_size` (431), an exception outside the app (500). The worker below sends the
app's own accessible error page (landmarks, a way back) with gunicorn's status instead of
gunicorn's bare one. What remains bare: nothing gunicorn writes; a worker killed by `timeout` or
the OOM killer closes its connections without any page (the browser shows its own error).
"""

from __future__ import annotations

import functools
import gc
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from gunicorn import util
from gunicorn.workers.gthread import ThreadWorker

CORES = os.cpu_count() or 1
#: Seconds a connection may take to send the head of a request once it has started sending one.
HEAD_READ_TIMEOUT = float(os.environ.get("LMS_SERVE_HEAD_TIMEOUT", "20"))

worker_class = "lms.serving.Worker"
#: Build the app once in the master, then fork: the workers share its code and data pages copy on
#: write (gunicorn docs, setting `preload_app`), so each worker's own memory (USS) is what it adds
#: while serving. post_fork() gives each worker its own database connections.
preload_app = True
#: One process per core (preloaded, so code pages are shared; bench/RESULTS.md has each worker's
#: RSS, PSS and USS after a run), threads for the waiting:
#: a request spends much of its time in SQLite/PostgreSQL and on the socket, with the GIL released.
workers = CORES
threads = 2 * CORES + 1
#: Connections one worker keeps at once, idle or busy; idle ones cost a file descriptor, not a thread.
worker_connections = 1000
#: Each worker listens on a socket of its own (SO_REUSEPORT, gunicorn setting `reuse_port`), and the
#: kernel spreads new connections over them. With one shared socket, whichever worker wakes first
#: accepts a burst of connections and keeps them for as long as they are kept alive: under wrk's 32
#: connections one worker often served them all while the other idled, halving requests/s at
#: random (bench/RESULTS.md, 2026-11-30 09:09). The cost: connections still waiting in a worker's
#: queue when that worker dies are reset; workers here are never recycled, so that is a crash only.
#: `lms serve` refuses a port another server already listens on (reuse_port would share it).
reuse_port = True
#: Seconds an idle kept-alive connection stays open (browsers reuse it for the next click).
keepalive = 5
#: A worker whose main loop has not checked in for this long is restarted; with gthread an idle or
#: slow connection cannot cause that, only a hung worker.
timeout = 30
graceful_timeout = 30
accesslog = "-"
#: gunicorn 25+ opens a control socket at one fixed path per user, which two servers on one machine
#: (docs/deploy.md runs two) would fight over; `lms serve` needs none.
control_socket_disable = True


#: glibc malloc arenas a worker may make (mallopt M_ARENA_MAX; glibc manual, "Memory Allocation
#: Tunables"). By default each thread that allocates gets an arena of its own, up to 8 per core,
#: each holding freed memory of its own: with `threads` threads a worker grew 15-20 MiB past what
#: it needs. Two arenas keep its memory close to what it uses; threads mostly wait on the socket
#: or the database, so they rarely contend for one.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8  # glibc's <malloc.h>


@functools.cache
def _glibc():  # noqa: ANN202 - a ctypes.CDLL, or None
    """The C library when it is glibc (it has mallopt and malloc_trim); None elsewhere (musl).
    Looked up once per process: find_library runs `ldconfig -p`."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def _limit_malloc_arenas() -> None:
    """Set M_ARENA_MAX when the C library is glibc (elsewhere there is nothing to set)."""
    libc = _glibc()
    if libc is not None:
        libc.mallopt(_M_ARENA_MAX, MALLOC_ARENAS)


#: Seconds a worker hands its free heap memory back to the system (glibc malloc_trim) after its
#: last request ends, if no other request has started meanwhile. glibc keeps memory freed in the
#: middle of its heap: after a results CSV of 10,000 learners a worker held about 20 MiB it no
#: longer used (bench/RESULTS.md) until something trimmed it.
MALLOC_TRIM_IDLE_SECONDS = 0.5
#: ... and at least this often while requests never stop.
MALLOC_TRIM_SECONDS = 15.0


class Trimmer:
    """Hands a worker's free heap memory back (glibc malloc_trim(0), which also releases free pages
    inside the heap, glibc >= 2.8) when the worker falls idle and at least every `busy_seconds`
    under constant load, from a daemon thread. A trim costs 0.2-5 ms holding malloc's lock, so a
    worker at rest holds what it uses, not its busiest moment.

    `started()` and `finished()` bracket each request (Worker.handle_request)."""

    def __init__(
        self,
        trim: Callable[[], object],
        idle_seconds: float,
        busy_seconds: float,
        sleep: Callable[[float], object] = time.sleep,
    ) -> None:
        self._trim = trim
        self._sleep = sleep
        self._idle_seconds = idle_seconds
        self._busy_seconds = busy_seconds
        self._lock = threading.Lock()
        self._active = 0
        self._requests = 0  # requests started so far: a new one during the wait means "not idle"
        self._fell_idle = threading.Event()
        self.trims = 0

    def started(self) -> None:
        with self._lock:
            self._active += 1
            self._requests += 1

    def finished(self) -> None:
        with self._lock:
            self._active -= 1
            if self._active == 0:
                self._fell_idle.set()

    def run_once(self) -> bool:
        """Wait for the worker to fall idle (or `busy_seconds`), then trim if it stayed idle for
        `idle_seconds` or was busy throughout; True when it trimmed."""
        idle = self._fell_idle.wait(self._busy_seconds)
        self._fell_idle.clear()
        if idle:
            with self._lock:
                seen = self._requests
            self._sleep(self._idle_seconds)
            with self._lock:
                if self._active or self._requests != seen:
                    return False  # busy again: the next idle moment (or busy_seconds) trims
        self._trim()
        self.trims += 1
        return True

    def start(self) -> Trimmer:
        def loop() -> None:
            while True:
                self.run_once()

        threading.Thread(target=loop, name="malloc-trim", daemon=True).start()
        return self


def pre_fork(server, worker):  # noqa: ANN001 - gunicorn's server hook signature
    """Before each fork, in the master: collect the garbage, then freeze every object the
    preloaded app made (gc.freeze, Python >= 3.7; the gc module's docs recommend it "right before
    fork()"). A worker's collections then skip them: its full collections walked the app's
    ~110,000 objects, writing each one's header and so copying every page of them, and took
    70-140 ms holding the GIL, every few seconds under load (bench/RESULTS.md); frozen, they touch
    only what the worker made itself, and the master's pages stay shared. Then the heap memory
    start-up freed goes back to the system (malloc_trim), so no worker starts holding it."""
    gc.collect()
    gc.freeze()
    libc = _glibc()
    if libc is not None:
        libc.malloc_trim(0)


def post_fork(server, worker):  # noqa: ANN001 - gunicorn's server hook signature
    """A forked worker must not share the master's pooled database connections (SQLAlchemy docs,
    "Using Connection Pools with Multiprocessing or os.fork()"); its threads share two malloc
    arenas (MALLOC_ARENAS), and it hands free memory back when it falls idle (Trimmer)."""
    _limit_malloc_arenas()
    libc = _glibc()
    if libc is not None:
        worker.trimmer = Trimmer(lambda: libc.malloc_trim(0), MALLOC_TRIM_IDLE_SECONDS, MALLOC_TRIM_SECONDS).start()
    app = getattr(server.app, "callable", None)  # the preloaded Flask app (gunicorn's WSGIApplication)
    engine = getattr(app, "extensions", {}).get("lms.engine")
    if engine is not None:
        engine.dispose(close=False)


#: The background job worker (`lms worker`, lms/jobs.py: video renditions) starts and stops with
#: the web server, as its own process, so `make run` needs nothing else. A deployment that runs
#: it as a service of its own (docs/deploy.md) sets LMS_SERVE_JOBS=0.
_job_worker: list[subprocess.Popen] = []


def when_ready(server) -> None:  # noqa: ANN001 - gunicorn's Arbiter
    if os.environ.get("LMS_SERVE_JOBS", "1") == "0":
        return
    lms = Path(sys.executable).with_name("lms")  # the console script beside gunicorn's python
    _job_worker.append(subprocess.Popen([str(lms), "worker"]))  # noqa: S603 - fixed arguments
    server.log.info("Started the job worker (pid %s)", _job_worker[-1].pid)


def on_exit(server) -> None:  # noqa: ANN001
    for process in _job_worker:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


class _Captured:
    """Takes the place of the client socket while gunicorn writes its own error page."""

    def __init__(self):
        self.data = b""

    def gettimeout(self):
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.data += data


class Worker(ThreadWorker):
    """gunicorn's gthread worker with a bound on the time a started request head may take, and the
    app's error page in place of gunicorn's."""

    _pages: dict[int, bytes] | None = None
    #: Set by post_fork where the C library is glibc.
    trimmer: Trimmer | None = None

    def handle_error(self, req, client, addr, exc):
        captured = _Captured()
        # gunicorn decides the status and logs; its page goes to `captured`, ours to the client.
        super().handle_error(req, captured, addr, exc)
        match = re.match(rb"HTTP/1\.[01] (\d{3}) ", captured.data)
        status = int(match.group(1)) if match else 500
        try:
            page = self.error_response(status)
        except Exception:  # noqa: BLE001 - an app that cannot render still answers, with gunicorn's page
            self.log.exception("Could not render the error page for %s", status)
            page = captured.data
        try:
            util.write_nonblock(client, page)
        except Exception:  # noqa: BLE001 - the client may be gone; gunicorn ignores this too
            self.log.debug("Failed to send error page.")

    def error_response(self, status: int) -> bytes:
        """The whole HTTP response for `status`: the app's error page with the app's headers
        (CSP, nosniff), rendered once per status and worker, in the source language."""
        if self._pages is None:
            self._pages = {}
        if status not in self._pages:
            self._pages[status] = _render_error(self.wsgi, status)
        return self._pages[status]

    def handle(self, conn):
        # gthread calls handle() again for every request of a kept-alive connection: wrap its init
        # once, or each request nests one more call (a RecursionError after ~1,000 requests).
        if not getattr(conn, "head_timeout_set", False):
            init = conn.init

            def init_with_head_timeout():
                init()
                # Set after handle() made the socket blocking: the parser's recv() now gives up on
                # a client that stops half-way through the head, freeing the thread.
                conn.sock.settimeout(HEAD_READ_TIMEOUT)

            conn.init = init_with_head_timeout
            conn.head_timeout_set = True
        return super().handle(conn)

    def handle_request(self, req, conn):
        # The head is in; the body and the response may take as long as the line needs.
        conn.sock.settimeout(None)
        if self.trimmer is None:
            return super().handle_request(req, conn)
        self.trimmer.started()
        try:
            return super().handle_request(req, conn)
        finally:
            self.trimmer.finished()


def _render_error(app, status: int) -> bytes:
    from werkzeug.http import HTTP_STATUS_CODES

    from lms.errors import render_error

    with app.test_request_context("/"):
        response = app.process_response(app.make_response(render_error(status)))
    response.status_code = status  # render_error shows 414/431 as its 400 page; the status stays
    body = response.get_data()
    headers = [
        (k, v) for k, v in response.headers.items() if k.lower() not in ("content-length", "connection", "set-cookie")
    ]
    head = f"HTTP/1.1 {status} {HTTP_STATUS_CODES.get(status, 'Error')}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers)
    head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    return head.encode("latin-1") + body
