"""Credentials: the certificate library (codes, Open Badges JSON-LD and signing, revocation list, PDF, QR)."""
