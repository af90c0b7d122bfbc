"""The domain's error vocabulary."""

from __future__ import annotations


class DomainError(Exception):
    """A record or action breaks a rule of the domain."""


class ValidationError(DomainError):
    """One or more fields are invalid; `errors` maps each field to a message a person can act on."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


class DisclosureRefused(DomainError):
    """A job seeker without disclosure consent is linked to an employer-facing record, no reason given."""

    def __init__(self, job_seeker_codes: list[str]) -> None:
        self.job_seeker_codes = job_seeker_codes
        names = ", ".join(job_seeker_codes)
        super().__init__(
            f"{names} has not agreed to disclose to this employer. Log them as 'On behalf, not"
            " disclosed', remove them from this record, or give a reason for linking them (for"
            " example: they asked you to speak to the employer)."
        )
