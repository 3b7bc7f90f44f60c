"""Credentials: the certificate library, below the services and above the models.

What a course certificate is made of, with no knowledge of requests, permissions or storage:

* :mod:`.codes` - public verification codes (Crockford base32);
* :mod:`.jsonld` - the bundled JSON-LD contexts, an offline document loader, RDFC-1.0;
* :mod:`.issue` - building and signing an Open Badges 3.0 ``OpenBadgeCredential``
  (W3C VC Data Model 2.0) with an ``eddsa-rdfc-2022`` Data Integrity proof;
* :mod:`.verify` - checking such a proof, for the site and for ``lms certificates verify``;
* :mod:`.keys` - the site's Ed25519 issuer key, its names and its published key document;
* :mod:`.status` - the revocation list (W3C Bitstring Status List v1.0);
* :mod:`.pdf`, :mod:`.pdf_scripts`, :mod:`.pdf_actualtext` - the PDF/UA-1 certificate document;
* :mod:`.qr` - the QR code of the verification link.

Imports only models, :mod:`lms.errors` and libraries: never a service or a blueprint.
"""
