"""Identity hygiene (issue 15): one job seeker per code in a team, one employer per business.

Two spellings of one code ("kd-104" and "KD 104") would split a person's records in two, and
two spellings of one business ("Riverside Café Ltd" and "riverside cafe") split the team's visits
to it. A code is compared by `code_key` (case and spaces ignored) and is refused when another job
seeker of the team has the same key: on the phone against the job seekers it holds, on the server
against the whole team. An employer name is compared by `employer_name_key` (case, accents,
punctuation, "&"/"and" and trivial company suffixes ignored) and a match is only flagged, before
the save, with the choice to use the existing employer: two businesses may share a name.
"""

from __future__ import annotations

import re

from app.domain.search import fold

CODE_TAKEN = "this code is already used in your team"

# Words that do not tell two businesses apart: legal forms, and the joining words ("&" is read as
# "and"). Only whole words are dropped, and never all of them ("The Company" stays itself).
TRIVIAL_WORDS = frozenset(
    {"ltd", "limited", "plc", "llp", "llc", "inc", "incorporated", "co", "company", "the", "and"}
)
_WORD = re.compile(r"[^\W_]+")


def code_key(code: str) -> str:
    """A job-seeker code as the uniqueness rule compares it: no case, no spaces of any kind."""
    return "".join(code.split()).casefold()


def employer_name_key(name: str) -> str:
    """A business name as the near-match rule compares it: "Riverside Café Ltd." and
    "riverside cafe" give the same key; an empty name gives ""."""
    words = _WORD.findall(fold(name.replace("&", " and ")))
    kept = [word for word in words if word not in TRIVIAL_WORDS]
    return "".join(kept or words)
