"""Writing courses in the browser: the "Teach" pages for trainers and admins.

One blueprint (`bp`, in lms.author.blueprint) with one page module per service: courses,
units, publishing, video and captions. Importing the package attaches every page to `bp`.
"""

from lms.author import captions, courses, publishing, renditions, units, video  # noqa: F401  (each adds its routes to bp)
from lms.author.blueprint import bp

__all__ = ["bp"]
