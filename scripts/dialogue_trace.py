"""Developer aid: run the canned dialogues of evals/dialogues.yaml and print each turn's scores.

Usage: python scripts/dialogue_trace.py [ID-SUBSTRING ...]

Each line: the dialogue id, the outcome reached, the opening's scores (definition, implication,
example, tradeoff as four digits), then for every probe the dimension probed and the reply's
scores; the next line is the labeller's note with the path they expected.
"""

import sys

sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parent.parent))
from agent.bank.rubric import DIMENSIONS, load_bank
from agent.evals.cases import load_suite
from agent.grading.offline import OfflineBackend
from agent.session.interview import Interview

b = load_bank()
suite = load_suite(
    __import__("pathlib").Path(__file__).resolve().parent.parent / "evals" / "dialogues.yaml", b
)
only = sys.argv[1:]
for c in suite.cases:
    if only and not any(o in c.id for o in only):
        continue
    it = Interview(b.get(c.question), OfflineBackend(), max_turns=c.expect.max_turns)
    r = it.answer(c.candidate.opening)
    probed = []
    line = [f"open {''.join(str(r.grade.scores()[d]) for d in DIMENSIONS)}"]
    while r.outcome is None and r.probe is not None:
        d = r.probe.dimension
        rep = c.candidate.reply(d, probed.count(d))
        probed.append(d)
        r = it.answer(rep)
        line.append(f"{d.value[:4]}->{''.join(str(r.grade.scores()[x]) for x in DIMENSIONS)}")
    print(c.id, it.outcome.value, " | ".join(line))
    print("   NOTE:", c.note)
