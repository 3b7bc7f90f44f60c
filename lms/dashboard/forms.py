from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired

from lms.forms import Form


class CourseImportForm(Form):
    file = FileField(
        _l("Course zip file"),
        validators=[FileRequired(_l("Choose a course zip file to import."))],
        description=_l(
            "A .zip exported from Sala, holding one course folder with course.yaml, "
            "units, media, captions and quiz.yaml."
        ),
    )
