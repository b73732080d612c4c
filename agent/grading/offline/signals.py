"""General, question-independent signals the offline grader reads in a sentence.

These encode how interview answers are built, not what any one question is about: whether a
sentence tells a story from real work, whether it carries specifics (numbers, a domain, a
constraint, a decision, an outcome), whether it names a cost, whether it talks to the grader.
Question-specific knowledge stays in ``rubrics/``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


class Signal:
    """A case-insensitive pattern whose searches are remembered by text.

    A conversation is re-read after every answer, so the same sentences meet the same signals
    turn after turn; each is searched once (the memory is cleared when it grows large).
    """

    MEMORY = 20_000
    _all: list[Signal] = []

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern, re.IGNORECASE)
        self._seen: dict[str, re.Match[str] | None] = {}
        Signal._all.append(self)

    @classmethod
    def forget_all(cls) -> None:
        """Drop every remembered search (benchmarks measure text never seen before)."""
        for signal in cls._all:
            signal._seen.clear()

    def search(self, text: str) -> re.Match[str] | None:
        try:
            return self._seen[text]
        except KeyError:
            found = self.pattern.search(text)
            if len(self._seen) >= self.MEMORY:
                self._seen.clear()
            self._seen[text] = found
            return found

    def finditer(self, text: str) -> Iterator[re.Match[str]]:
        return self.pattern.finditer(text)


def _rx(pattern: str) -> Signal:
    return Signal(pattern)


# A story from the candidate's own work: first person with a past-tense verb, or an opener
# that places the speaker in a real setting ("at an insurer I ...", "on our churn model ...").
_PAST = (
    r"(\w{2,}ed|had|did|was|were|got|made|ran|built|saw|found|took|went|chose|caught|kept|led|"
    r"wrote|knew|came|began|held|lost|sent|spent|brought|thought|told|gave|"
    r"shipped|sold|drove|fell|rose|grew|won|paid|threw|redid|rebuilt|owned|learnt|"
    r"inherited|ended up|switched|moved|picked|dropped)"
)
REAL_WORK = _rx(
    r"\b(i|we)('ve| have| had)? (\w+ly )?" + _PAST + r"\b|"
    r"\b(our|my) ([\w-]+ ){0,3}(was|were|had|went|got|dropped|fell|rose|jumped|improved|"
    r"showed|came|ran|broke|failed)\b|"
    r"\b(at|in|on|for|with) (a|an|my|our|one|the) ([\w-]+ ){0,4}(company|startup|bank|"
    r"hospital|insurer|retailer|telco|marketplace|team|project|job|role|client|employer|"
    r"internship|lab)\b|"
    r"\b(at my|in my|on my|on our|in our|at our) |"
    r"\b(on|in|for) (a|an|one) ([\w-]+ ){0,4}(model|system|pipeline|service|product|"
    r"classifier|forecast)\b[^.;]{0,60}\b(had|was|were)\b(?! not)|"
    r"\b(last|this past) (year|quarter|month|summer|spring|winter|fall)\b"
)

VAGUE_OUTCOME = _rx(
    r"\b((it|that|this|things?|everything|results?) (was|were|worked|went|looked|seemed|turned "
    r"out) (\w+ )?(fine|ok|okay|good|great|well|better|nice)|worked (really |pretty |quite |"
    r"very )?well|made (more )?sense|a lot (better|faster)|much (better|faster)|pretty good|"
    r"(team|stakeholders|business|everyone|they) (was|were) happy|(big|huge|real|great) impact|"
    r"a lot of value)\b"
)

HYPOTHETICAL = _rx(
    r"\b(for example|for instance|e\.g\.|let's say|lets say|suppose|imagine|consider (a|an|the)|"
    r"like if|picture (a|an|the)|for something like)\b|"
    r"\bsay,? (a|an|the|it|it's|there|that|on|for|in|we|you|your|our)\b|"
    r"^(take|consider|picture|imagine)\b"
)

# Not a story from real work: the experience is denied, wished for or only imagined.
NOT_EXPERIENCE = _rx(
    r"\b(haven't|have not|hasn't|never (actually |really )?(done|used|had|worked|built|seen)|"
    r"don't think (i|we)('ve| have)|not sure (i|we)('ve| have)|if (i|we) (had|were)|"
    r"(should|would|could) have|(i|we)('d| would) (probably )?(have|use|start|go|pick|want))\b"
)

NUMBER = _rx(
    r"((?<![A-Za-z])\d+(?:[.,]\d+)?\s?(%|percent|k\b|m\b|ms\b|x\b|million|billion|thousand|hours?|days?|"
    r"weeks?|months?|years?|rows|features|trees|points|pp\b)?|\b(half|double|twice|triple|"
    r"two|three|four|five|six|seven|eight|nine|ten|twelve|fifteen|twenty|thirty|fifty|hundred|"
    r"hundreds|thousands|millions|dozens?)\b)"
)

DOMAIN = _rx(
    r"\b(churn\w*|fraud\w*|transactions?|customers?|users?|patients?|clicks?|ads?|advertis\w*|"
    r"loans?|credit|sales|demand|inventory|sensors?|images?|emails?|spam|recommend\w*|search|"
    r"pricing|prices?|insurance|claims?|tickets?|orders?|retail|bank\w*|hospital\w*|medical|"
    r"diagnos\w*|clinic\w*|moderation|reviews?|posts?|devices?|logistic\w*|deliver\w*|"
    r"shipments?|marketing|campaigns?|subscri\w*|accounts?|merchants?|drivers?|rides?|listings?|"
    r"products?|catalog\w*|queries|sessions?|conversions?|revenue|housing|house prices|"
    r"students?|employees?|store\w*|warehouses?|shop\w*|e-?commerce|telecom|energy|"
    r"manufactur\w*|defects?|machines?|equipment|weather|traffic|lending|underwriting|"
    r"payments?|invoices?|call center|support|app|website|platform|marketplace|"
    r"game\w*|players?|videos?|songs?|articles?|news|documents?|contracts?|vendors?|"
    r"suppliers?|routes?|trucks?|flights?|hotels?|bookings?|restaurants?|menus?)\b"
)

# Data words: concrete in a story from real work ("we had 60k rows"), not in a hypothetical.
DATA_WORDS = _rx(
    r"\b(dataset|data set|table|logs?|records|rows|labels?|cohorts?|segments?|surveys?|"
    r"readings|samples|examples|features|columns)\b"
)

CONSTRAINT = _rx(
    r"\b(latency|\d+\s?ms|milliseconds?|budget|deadline|regulat\w*|compliance|audit\w*|"
    r"memory|real[- ]time|sla|gpus?|cpus?|interpretab\w*|explainab\w*|explain (it|the|to)|"
    r"stakeholders?|legal|privacy|gdpr|cost|throughput|p9\d|on[- ]device|mobile|edge|"
    r"freshness|sparse|imbalanc\w*|only \d+|small (data|sample)|few labels|labell?ing budget)\b"
)

DECISION = _rx(
    r"\b(i|we|so)\b[^.]{0,60}\b(switched|chose|decided|picked|moved|replaced|dropped|set|opted|"
    r"went with|changed|added|removed|retrained|rolled back|ended up|kept|capped|lowered|"
    r"raised|split|re-?split|excluded|limited|pruned|distill?ed|calibrated|recalibrated|"
    r"segmented|built a separate|trained (only|a separate)|gated|redid|recoded|grouped|"
    r"imputed|flagged|reverted|compiled|weighted|stratified|rebalanced|downsampled|"
    r"upsampled|retuned|tuned|reset|froze|trimmed|merged|banned|shipped|launched|deployed|"
    r"introduced|required|enforced|rebuilt|reframed|restricted|sliced|relabell?ed|"
    r"collected|routed|held back|turned off)\b|\binstead of\b|\brather than\b"
)

OUTCOME = _rx(
    r"\b(went (from|up|down)|dropped|fell|rose|improved|increased|decreased|reduced|cut|"
    r"doubled|halved|caught|failed|broke|turned out|resulted|which meant|meant that|"
    r"validated|checked|confirmed|a/b|ab test\w*|a-b test\w*|measured|monitor\w*|compared|"
    r"backtest\w*|in production|after (launch|deploy\w*|the (launch|change|fix))|"
    r"recovered|stabili[sz]ed|saved|lifted|lift|gained|regress\w*|degraded|alert\w*|"
    r"noticed|found that|showed|landed|ended (up|at)|came (out|in|back)|jumped|matched|"
    r"held up|beat|outperformed|flat|unchanged|stayed|tripled|climbed|shrank|grew)\b"
)

# What a cost or limit sounds like, and what it is a cost *of*.
LIMIT = _rx(
    r"\b(but|however|trade-?offs?|downsides?|costs?|costly|expensive|slow\w*|limit\w*|"
    r"drawbacks?|not always|depends|careful|risk\w*|catch|disadvantages?|don't|doesn't|won't|"
    r"wouldn't|shouldn't|avoid|unless|fails?|struggles?|hurts?|worse|penal\w*|price|"
    r"at the expense|give up|sacrific\w*|overkill|not worth|only worth|harder|lose|loses|"
    r"lost|breaks? down)\b"
)

COST_NOUN = _rx(
    r"\b(latency|memory|compute|training time|inference|interpretab\w*|explain\w*|"
    r"maintenance|complexity|complex|debug\w*|storage|variance|bias|overfit\w*|underfit\w*|"
    r"data|labels?|time|money|engineering|infrastructure|infra|staleness|stale|freshness|"
    r"false positives?|false negatives?|false alarms?|alerts?|follow-?ups?|workload|reviews?|"
    r"recall|precision|calibration|leak\w*|noise|noisy|accuracy|auc|"
    r"sparse|sparsity|dimensions?|cardinality|drift|skew|cost|throughput|size|scale)\b"
)

# Talk about a tradeoff at all, however vague ("it depends", "there are pros and cons").
TRADEOFF_GESTURE = _rx(
    r"\b(trade-?offs?|downsides?|costs?|costly|expensive|drawbacks?|limitations?|"
    r"the catch|not always|pros and cons|wouldn't use|would not use|"
    r"don't use|do not use|avoid|unless|overkill|not worth|at the expense|"
    r"disadvantages?|risk|(it|that) (really |all |kind of )?depends(?=\s*[.,;!?]|\s*$)|"
    r"lose (a bit of|some|a lot of) (data|rows|signal)|less data|next time (i|we)'?d|"
    r"worked around|the price)\b"
)

# An explicit cost (a negation alone is not one).
STRONG_LIMIT = _rx(
    r"\b(trade-?offs?|downsides?|costs?|costly|expensive|slow(er|s|ing)?|drawbacks?|"
    r"disadvantages?|price|at the expense|give up|giving up|sacrific\w*|overkill|not worth|"
    r"only worth|harder|lose|loses|losing|lost|hurts?|penal\w*|risk\w*|catch is|"
    r"fails? (when|if|on)|breaks? down|struggles?|worse|more (work|effort|maintenance|memory|"
    r"latency|compute))\b"
)

# A sentence that lists alternatives instead of choosing ("you could X, or Y, or Z").
_OR = re.compile(r"\bor\b", re.IGNORECASE)


_MAYBE = re.compile(r"\b(could|can|might|may|or even|also)\b", re.IGNORECASE)


def lists_alternatives(text: str) -> bool:
    """A sentence that offers options instead of choosing ("you could X, or Y, or Z")."""
    ors = len(_OR.findall(text))
    maybe = bool(_MAYBE.search(text))
    return ors >= 3 or (maybe and (ors >= 2 or (ors >= 1 and text.count(",") >= 3)))


CONDITION = _rx(
    r"\b(if|when|unless|only (when|if|worth)|as long as|in which case|so i'?d|so we'?d|"
    r"i'?d (rather|use|pick|choose|go|switch|start|keep|prefer)|we'?d (rather|use|pick|choose|"
    r"go|switch|start|keep|prefer)|i would|we would|instead|rather than)\b"
)

THIN_DEFINITION = _rx(
    r"['’]s\b|\b(is|are|means|mean|refers? to|is when|is basically|works by|is about|is like|"
    r"are like|has to do with|describes?|measures?)\b"
)
THIN_IMPLICATION = _rx(
    r"\b(therefore|which means|that means|this means|matters?|important|affects?|in practice|"
    r"useful (for|when|to)|helps? (you|with|to)|impact\w*|consequences?|leads? to|results? in|"
    r"so (you|we|i)('d| would| need| have| should| can)|you (need|have) to|we (need|have) to|"
    r"changes (how|what|the way)|the point is|the practical|that's why|so the fix|"
    r"you should|robust (to|against)|so (we|i) (moved|switched|used|added|dropped))\b"
)

# Saying what you would do in practice, however generic ("I'd drop one of the two", "we retrain
# every week", "you'd look at the confusion matrix"): a thin implication.
PRACTICE = _rx(
    r"\b(i'd|i would|you'd|you would|we'd|we would|i just|i always|i usually|we just|we always|"
    r"we usually|in practice|you (could|should|need to|have to|want to)|"
    r"(i|we) (check|look|use|run|put|drop|fill|monitor|retrain|tune|plot|compare|split|start|"
    r"keep|add|remove|track|swap|set|pick|choose|train)|(i|we|you) just)\b"
)

# Saying you cannot answer ("I'm not sure what I'd look at"), which no cue word redeems.
NON_ANSWER = _rx(
    r"\b(not (totally |really |honestly |entirely |quite )?sure|no idea|(don't|do not) know|"
    r"dunno|can't remember|don't remember|never (really )?(figured|found) out)\b"
)
