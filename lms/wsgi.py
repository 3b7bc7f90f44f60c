"""WSGI entry point for gunicorn: `gunicorn lms.wsgi:app`.

Serving the public needs the site's address from configuration (LMS_BASE_URL, or a trusted proxy's
checked host): without it this refuses to start, rather than print links taken from visitors'
requests. `lms serve` on a loopback address sets LMS_BASE_URL to that address itself.
"""

from lms import create_app
from lms.config import public_url_problem

app = create_app()
_problem = public_url_problem(app.config)
if _problem:
    raise RuntimeError(_problem)
