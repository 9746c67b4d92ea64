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


def cross_validate(candidates: list[dict[str, float]]) -> tuple[list[str], list[float]]:
    """The classifier's recall and false positives on its own training data, five-fold, per source
    of negatives (look-alikes, ordinary intake answers, the bulk of intents and answers): how
    CRISIS_PROBABILITY and the source weights were chosen, without looking at the held-out sets.
    Each candidate weighting is fitted on the same folds and the same n-gram features. Returns
    the examples' normalised texts and the first candidate's out-of-fold crisis probabilities."""
    import numpy
    from sklearn.base import clone
    from sklearn.model_selection import StratifiedKFold

    from bot.safety.classifier import (
        ANSWERS,
        BULK,
        LOOKALIKE,
        NONE,
        ORDINARY,
        build_model,
        load_examples,
        sample_weights,
    )

    examples = load_examples()
    texts = numpy.array(examples.texts, dtype=object)
    labels, sources = numpy.array(examples.labels), numpy.array(examples.sources)
    crisis = numpy.zeros((len(candidates), len(texts)))
    strata = numpy.char.add(numpy.char.add(labels, "/"), sources)
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, strata):
        pipeline = build_model()
        features = clone(pipeline.named_steps["features"])
        train_x = features.fit_transform(list(texts[train]))
        test_x = features.transform(list(texts[test]))
        for c, weights in enumerate(candidates):
            model = clone(pipeline.named_steps["model"])
            model.fit(train_x, labels[train], sample_weight=sample_weights(labels[train], sources[train], weights))
            crisis[c, test] = 1 - model.predict_proba(test_x)[:, list(model.classes_).index(NONE)]
    positive = labels != NONE
    print(f"five-fold cross-validation on {positive.sum()} crisis and {(~positive).sum()} ordinary training examples "
          f"({(sources == LOOKALIKE).sum()} look-alikes, {(sources == ORDINARY).sum()} ordinary answers, "
          f"{(sources == ANSWERS).sum()} answer examples, {(sources == BULK).sum()} intents and buttons)")
    for c, weights in enumerate(candidates):
        print(f"source weights {', '.join(f'{k} {v:g}' for k, v in weights.items())}")
        print(f"  {'threshold':>9} {'recall':>7} {'FP look':>8} {'FP ordinary':>11} {'FP answers':>10} {'FP bulk':>8} "
              f"{'FP all':>7}")
        for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
            flagged = crisis[c] >= threshold
            print(f"  {threshold:9.2f} {flagged[positive].mean():7.3f} {flagged[sources == LOOKALIKE].mean():8.4f} "
                  f"{flagged[sources == ORDINARY].mean() if (sources == ORDINARY).any() else 0:11.4f} "
                  f"{flagged[sources == ANSWERS].mean():10.4f} "
                  f"{flagged[sources == BULK].mean():8.4f} {flagged[~positive].mean():7.4f}")
    return examples.texts, crisis[0].tolist()


def parse_weights(text: str) -> dict[str, float]:
    """"lookalike=2,ordinary=4" over the classifier's SOURCE_WEIGHTS."""
    from bot.safety.classifier import SOURCE_WEIGHTS

    weights = dict(SOURCE_WEIGHTS)
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        if name not in weights:
            raise argparse.ArgumentTypeError(f"unknown source {name!r}: one of {', '.join(weights)}")
        weights[name] = float(value)
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cross-validate", action="store_true",
                        help="also: the classifier's five-fold figures on its training data")
    parser.add_argument("--weights", type=parse_weights, action="append", default=[],
                        help="with --cross-validate: a source weighting to compare, e.g. lookalike=2,ordinary=4 "
                             "(repeatable; default: the classifier's SOURCE_WEIGHTS)")
    parser.add_argument("--cross-validate-only", action="store_true", help="--cross-validate, then stop")
    parser.add_argument("--lexicon-only", action="store_true", help="the lexicons alone, without the classifier")
    parser.add_argument("--summary", action="store_true",
                        help="the tables and the time only: no held-out text is printed (misses and false positives "
                             "are counted per language), so the sets stay blind to whoever tunes the detection")
    parser.add_argument("--gate", action="store_true",
                        help="also: what a gate on classifier-only signals (benchmarks/crisis_gate.py) costs in recall "
                             "at the worst-case question and spares ordinary answers, per setting (counts only)")
    args = parser.parse_args()
    if args.cross_validate or args.cross_validate_only:
        texts, probabilities = cross_validate(args.weights or [parse_weights("")])
        if args.gate:
            from benchmarks.crisis_gate import gate_cross_validated

            gate_cross_validated(texts, probabilities)
        if args.cross_validate_only:
            return 0
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
    if args.summary:
        print(f"\nmissed or wrong category: {len(misses)}; false positives: {len(false_positives)} (texts not shown)")
    else:
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
    if args.gate:
        from benchmarks.crisis_gate import gate_report

        gate_report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
