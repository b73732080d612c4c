"""Whether an answer reads as English: the offline grader's rubrics and signals are English.

An answer in another language would otherwise match nothing and score zeros everywhere, as if
it were empty. The test counts function words: an answer whose words include more of the
common function words of Spanish, French, German, Portuguese or Italian than of English (and
at least a few) is not English, whatever technical English terms it borrows. Terse English
bullets have few function words of either kind, so they stay English.
"""

from __future__ import annotations

import re

ENGLISH_ONLY = (
    "the offline grader reads English only; this answer does not read as English, so it is "
    "not graded (a model backend, --backend openai, can grade other languages)"
)
MIN_FOREIGN = 3
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")
_COMMON = frozenset(
    """the a an and or but of to in on for with is are was were be been it its this that these
    those i we you they he she my our your their not no if then so because when what which
    who how why do does did have has had can could would should will at by from as than more
    most there here just also very about into out up""".split()  # noqa: SIM905
)


_FOREIGN = frozenset(
    """el los las que y un una es por para del lo como pero más muy también cuando porque le
    les des et est une pour dans pas avec sur qui ce sont mais plus aussi quand parce der
    das und ist nicht mit ein eine zu auf für sich dem auch wird werden bei wir ich wenn
    aber oder würde wo noch nur schon sehr os não em uma com são mas mais isso quando porque
    também numa num eu você só então muito pode já ou nos nas dos ao il di che è non per
    sono della nel questo anche gli perché quando""".split()  # noqa: SIM905
)


def reads_as_english(text: str) -> bool:
    """False when the text's function words are mostly those of another language."""
    words = [w.lower() for w in _WORD.findall(text)]
    english = sum(1 for w in words if w in _COMMON)
    foreign = sum(1 for w in words if w in _FOREIGN)
    return foreign < MIN_FOREIGN or foreign <= english
