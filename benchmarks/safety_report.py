"""`make safety-report`: crisis detection on the held-out sets (tests/safety/heldout/<lang>.yml).

Per language: recall on the crisis messages (any category, and the right category), false
positives on the look-alikes and on the ordinary messages of the NLU held-out sets (tests/nlu/),
a macro line; then every miss and false positive, and the time per message. Prints; asserts
nothing. The held-out sets are read only here, so that the lexicons are not written against them.
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import time

import yaml

from bot.config import PROJECT_ROOT
from bot.i18n import SUPPORTED_LANGUAGES
from bot.safety import detect_crisis

HELDOUT_DIR = PROJECT_ROOT / "tests" / "safety" / "heldout"
NLU_DIR = PROJECT_ROOT / "tests" / "nlu"


def nlu_messages(language: str) -> list[str]:
    path = NLU_DIR / f"{language}.yml"
    if not path.exists():
        return []
    texts = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8")).get("nlu", []):
        for line in (block.get("examples") or "").splitlines():
            text = line.strip().removeprefix("- ").strip()
            text = re.sub(r"\[([^\]]+)\]\{[^}]*\}", r"\1", text)  # [Moers]{"entity": …}
            text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # [Moers](field)
            if text:
                texts.append(text)
    return texts


def rate(part: int, whole: int) -> str:
    return f"{part / whole:6.3f}" if whole else "     –"


def cross_validate() -> None:
    """The classifier's recall and false positives on its own training data, five-fold: how
    CRISIS_PROBABILITY was chosen, without looking at the held-out sets."""
    import numpy
    from sklearn.model_selection import StratifiedKFold

    from bot.safety.classifier import NONE, build_model, load_examples

    examples = load_examples()
    texts, labels = numpy.array(examples.texts, dtype=object), numpy.array(examples.labels)
    crisis = numpy.zeros(len(texts))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        model = build_model().fit(list(texts[train]), labels[train])
        crisis[test] = 1 - model.predict_proba(list(texts[test]))[:, list(model.classes_).index(NONE)]
    positive = labels != NONE
    print(f"five-fold cross-validation on {positive.sum()} crisis and {(~positive).sum()} ordinary training examples")
    for threshold in (0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
        print(f"  threshold {threshold:.2f}: recall {(crisis[positive] >= threshold).mean():.3f}, "
              f"false positives {(crisis[~positive] >= threshold).mean():.4f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross-validate", action="store_true",
                        help="also: the classifier's five-fold figures on its training data")
    parser.add_argument("--lexicon-only", action="store_true", help="the lexicons alone, without the classifier")
    args = parser.parse_args()
    if args.cross_validate:
        cross_validate()
    if args.lexicon_only:
        from bot.safety import classifier

        classifier.CRISIS_PROBABILITY = 2.0  # above any probability: the classifier never fires
    if not HELDOUT_DIR.is_dir():
        print(f"no held-out set: {HELDOUT_DIR.relative_to(PROJECT_ROOT)} does not exist", file=sys.stderr)
        return 1
    misses: list[str] = []
    false_positives: list[str] = []
    rows = []
    all_texts: list[str] = []
    print(f"{'lang':5} {'crisis':>6} {'recall':>6} {'right':>6} {'looks':>6} {'FP':>6} {'nlu':>6} {'FP':>6} {'all FP':>6}")
    for language in SUPPORTED_LANGUAGES:
        path = HELDOUT_DIR / f"{language}.yml"
        if not path.exists():
            print(f"{language:5} (no held-out file)")
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        crises = [(kind, text) for kind, texts in (data.get("crisis") or {}).items() for text in texts or []]
        lookalikes = list(data.get("lookalike") or [])
        ordinary = nlu_messages(language)
        found = right = 0
        for kind, text in crises:
            signal = detect_crisis(text)
            found += signal is not None
            right += signal is not None and signal.kind == kind
            if signal is None:
                misses.append(f"{language} {kind:9} {text}")
            elif signal.kind != kind:
                misses.append(f"{language} {kind:9} → {signal.kind} ({signal.language}): {text}")
        look_fp = ordinary_fp = 0
        for source, texts in (("look-alike", lookalikes), ("nlu", ordinary)):
            for text in texts:
                signal = detect_crisis(text)
                if signal is not None:
                    false_positives.append(f"{language} {source:10} {signal.kind} ({signal.language}): {text}")
                    if source == "nlu":
                        ordinary_fp += 1
                    else:
                        look_fp += 1
        all_texts += [text for _, text in crises] + lookalikes + ordinary
        row = (len(crises), found, right, len(lookalikes), look_fp, len(ordinary), ordinary_fp)
        rows.append(row)
        print(f"{language:5} {row[0]:6} {rate(found, row[0])} {rate(right, row[0])} {row[3]:6} {rate(look_fp, row[3])} "
              f"{row[5]:6} {rate(ordinary_fp, row[5])} {rate(look_fp + ordinary_fp, row[3] + row[5])}")
    if not rows:
        print("no held-out files", file=sys.stderr)
        return 1

    def macro(part: int, whole: int) -> str:
        rates = [r[part] / r[whole] for r in rows if r[whole]]
        return f"{statistics.mean(rates):6.3f}" if rates else "     –"

    all_fp = statistics.mean((r[4] + r[6]) / (r[3] + r[5]) for r in rows if r[3] + r[5])
    print(f"{'macro':5} {sum(r[0] for r in rows):6} {macro(1, 0)} {macro(2, 0)} {sum(r[3] for r in rows):6} "
          f"{macro(4, 3)} {sum(r[5] for r in rows):6} {macro(6, 5)} {all_fp:6.3f}")
    print("\nrecall = crisis messages detected (any category); right = with the right category;")
    print("FP = false-positive rate on the look-alikes, on the ordinary NLU held-out messages, and on both.")
    print(f"\nmissed or wrong category ({len(misses)}):")
    print("\n".join(f"  {line}" for line in misses) or "  none")
    print(f"\nfalse positives ({len(false_positives)}):")
    print("\n".join(f"  {line}" for line in false_positives) or "  none")

    for text in all_texts:  # warm-up: lexicons loaded, per-character alternations compiled
        detect_crisis(text)
    timings = []
    for text in all_texts:
        started = time.perf_counter()
        detect_crisis(text)
        timings.append(time.perf_counter() - started)
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"\ntime per message over {len(timings)} messages (one core): mean {statistics.mean(timings) * 1e3:.3f} ms, "
          f"p99 {p99 * 1e3:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
