"""Passwords are stored as slow, salted hashes."""

from __future__ import annotations

from werkzeug.security import check_password_hash

from lms import create_app
from lms.config import Defaults
from lms.models import User


def test_passwords_are_hashed_with_scrypt_by_default(tmp_path):
    """Without a setting, a new password is stored as a Werkzeug scrypt hash that checks out."""
    assert Defaults.PASSWORD_HASH_METHOD == "scrypt"
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "DATABASE_URL": "sqlite://",
            "PASSWORD_HASH_METHOD": Defaults.PASSWORD_HASH_METHOD,
        }
    )
    with app.app_context():
        user = User(email="a@example.org", name="A")
        user.set_password("correct horse battery staple")
    assert user.password_hash.startswith("scrypt:32768:8:1$")
    assert check_password_hash(user.password_hash, "correct horse battery staple")
    assert not user.check_password("wrong horse battery staple")
