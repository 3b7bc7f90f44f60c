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

Errors gunicorn answers itself, without the app's accessible page: a malformed request line or
header (400), a request line over `limit_request_line` (414), headers over `limit_request_fields`
/ `limit_request_field_size` (431). Browsers never send those; docs/deploy.md says how nginx can
answer them with a page of ours in a deployment.
"""
from __future__ import annotations

import os

from gunicorn.workers.gthread import ThreadWorker

CORES = os.cpu_count() or 1
#: Seconds a connection may take to send the head of a request once it has started sending one.
HEAD_READ_TIMEOUT = float(os.environ.get("LMS_SERVE_HEAD_TIMEOUT", "20"))

worker_class = "lms.serving.Worker"
#: One process per core (each holds its own copy of the app, ~90 MiB), threads for the waiting:
#: a request spends much of its time in SQLite/PostgreSQL and on the socket, with the GIL released.
workers = CORES
threads = 2 * CORES + 1
#: Connections one worker keeps at once, idle or busy; idle ones cost a file descriptor, not a thread.
worker_connections = 1000
#: Seconds an idle kept-alive connection stays open (browsers reuse it for the next click).
keepalive = 5
#: A worker whose main loop has not checked in for this long is restarted; with gthread an idle or
#: slow connection cannot cause that, only a hung worker.
timeout = 30
graceful_timeout = 30
accesslog = "-"


class Worker(ThreadWorker):
    """gunicorn's gthread worker with a bound on the time a started request head may take."""

    def handle(self, conn):
        init = conn.init

        def init_with_head_timeout():
            init()
            # Set after handle() made the socket blocking: the parser's recv() now gives up on a
            # client that stops half-way through the head, freeing the thread.
            conn.sock.settimeout(HEAD_READ_TIMEOUT)

        conn.init = init_with_head_timeout
        return super().handle(conn)

    def handle_request(self, req, conn):
        # The head is in; the body and the response may take as long as the line needs.
        conn.sock.settimeout(None)
        return super().handle_request(req, conn)
