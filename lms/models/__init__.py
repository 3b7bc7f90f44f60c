"""All tables. Import from here so that every model is registered on Base.metadata."""

from lms.models.audit import AuditEvent
from lms.models.certificate import Certificate
from lms.models.course import Course, Unit
from lms.models.media import CaptionTrack, PendingCaption, Rendition, Video
from lms.models.preferences import PlayerPreference
from lms.models.progress import Enrollment, UnitProgress
from lms.models.publication import PublicationVersion
from lms.models.quiz import Attempt, Choice, Question, Quiz
from lms.models.user import LoginSession, User

# Registers the PostgreSQL triggers that create_all() makes beside users and login_sessions.
from lms.models import sign_in_notices  # noqa: E402, F401  isort: skip

__all__ = [
    "Attempt",
    "AuditEvent",
    "CaptionTrack",
    "Certificate",
    "Choice",
    "Course",
    "Enrollment",
    "LoginSession",
    "PendingCaption",
    "PlayerPreference",
    "PublicationVersion",
    "Question",
    "Quiz",
    "Unit",
    "UnitProgress",
    "User",
    "Rendition",
    "Video",
]
