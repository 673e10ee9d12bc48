"""The word lists of the domain watch: the words that turn a protected name into a lure
(``maricopa-vote``, ``janedoe-donate``), and the words of organisation names that are no brand.

Why: a brand token next to arbitrary text is usually an ordinary name (``malibuchimneyrepair``);
next to these words it is an imitation. Kept apart so they can be reviewed and extended."""

from __future__ import annotations


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words of elections and campaigns: a place name from an organisation's name (``marion``,
# ``green``) only counts as imitation next to one of these.
ELECTION_WORDS = _words(
    """vote votes voter voters voting election elections elect ballot ballots poll polls
    register registration registrar absentee mailin clerk county sos recount results canvass
    precinct campaign pac donate donation donations contribute"""
)

# Words that, next to a protected label, make a registration look like an imitation of it.
LURE_WORDS = ELECTION_WORDS | _words(
    """mail early city state official count give fund funds support supporters volunteer
    login signin sign secure security verify verification account accounts update portal auth
    gov govt www com net org us usa info online help service services office web site my the of
    for app pay payment payments billing wallet news team 2024 2025 2026 2027 2028"""
)

# Words in organisation names that say nothing about who it is (``City of ...``, ``... Board of
# Elections``): never brand tokens.
NAME_NOISE = _words(
    """city town village county township charter of the and board elections election office clerk
    commission department registrar voters voter registration recorder auditor supervisor
    secretary state division bureau parish borough municipality tribal nation courthouse
    commissioners commissioner sheriff police court district services attorney center centre
    system systems vote votes voting official officials general public native community
    government twp"""
)
