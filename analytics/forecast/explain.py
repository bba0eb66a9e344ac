"""Sentences that say which model was chosen and how far to trust it."""

from __future__ import annotations

from analytics.forecast.backtest import BacktestScore
from analytics.forecast.common import MIN_SEASONS, MODEL_LABELS, PERIOD_WORDS
from analytics.forecast.frequency import FrequencyInfo


def trust_message(
    info: FrequencyInfo,
    chosen: str,
    bench: str,
    scores: dict[str, BacktestScore],
    bt_horizon: int | None,
    seasonal: bool,
    n: int,
) -> str:
    """How far to trust the forecast: its backtest error against the benchmark, a
    better-testing model, band coverage and a verdict, in plain sentences."""
    words = PERIOD_WORDS[info.label]
    parts: list[str] = []
    score = scores.get(chosen)
    if score is None:
        parts.append(
            "It was not back-tested, so its accuracy on this data is unknown; treat it as a rough guide."
        )
    else:
        err, err_name = (
            (score.mape, "MAPE") if score.mape is not None else (score.smape, "sMAPE")
        )
        shown = f"{err:.1f}" if err < 10 else f"{err:.0f}"
        parts.append(
            f"Tested on the last {score.n_origins} cut-offs "
            f"({bt_horizon} {words if bt_horizon != 1 else words[:-1]} ahead each), "
            f"it was off by {shown}% on average ({err_name})"
        )
        bench_score = scores.get(bench)
        best = min(scores, key=lambda name: scores[name].mase)
        if bench_score is None:
            parts[-1] += "."
        elif chosen == bench:
            if best == bench:
                parts[-1] += ", and no method beat simply repeating the past pattern."
            else:
                parts[-1] += "."
        else:
            gain = (
                100 * (1 - score.mase / bench_score.mase)
                if bench_score.mase > 0
                else 0.0
            )
            if gain >= 5:
                parts[-1] += (
                    f", {gain:.0f}% less error than simply repeating the past pattern."
                )
            else:
                parts[-1] += (
                    ", about the same error as simply repeating the past pattern."
                )
        if best != chosen and scores[best].mase < score.mase:
            parts.append(
                f"{MODEL_LABELS[best]} tested better on this data "
                f"(MASE {scores[best].mase:.2f} against {score.mase:.2f})"
                + (
                    f", but not clearly ({_wins(scores[best], score)}), so the mean of "
                    "the models is used: a combination is the safer bet."
                    if chosen == "ensemble"
                    else "."
                )
            )
        parts.append(coverage_sentence(score))
        if err <= 10 and score.coverage_80 >= 0.6:
            parts.append("Reasonably reliable for planning.")
        elif err <= 25:
            parts.append("Use it as a guide, not a promise.")
        else:
            parts.append("Errors are large: treat it as a rough direction only.")
    if not seasonal:
        parts.append(
            f"Only {n} {words} of history (under {MIN_SEASONS} full seasons), so seasonal patterns are not modelled."
        )
    return " ".join(parts)


def _wins(a: BacktestScore, b: BacktestScore) -> str:
    """How ``a`` fared against ``b`` cut-off by cut-off, e.g. "lower at 4 of 5 cut-offs,
    within chance"."""
    k = min(len(a.origin_mase), len(b.origin_mase))
    if not k:
        return "within chance"
    lower = sum(x < y for x, y in zip(a.origin_mase, b.origin_mase, strict=False))
    return f"lower at {lower} of {k} cut-offs, within chance"


def coverage_sentence(score: BacktestScore) -> str:
    """How many held-out values the backtest's bands caught, e.g. "8 of 10 ..."."""
    if not score.n_points:
        return f"{score.coverage_80:.0%} of past values fell inside its 80% band."
    return (
        f"In the backtest, {score.inside_80} of {score.n_points} past values fell inside "
        f"its 80% band and {score.inside_95} inside the 95% band."
    )


def _in_sentence(label: str) -> str:
    """A label inside a sentence: "Theta (AutoTheta)" → "theta (AutoTheta)", while an
    acronym such as "ARIMA (AutoARIMA)" keeps its capitals."""
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def model_reason(
    chosen: str,
    chosen_by: str,
    requested: str | None,
    bench: str,
    scores: dict[str, BacktestScore],
    backtest_requested: bool,
    backtested: bool,
) -> str:
    """Why ``chosen`` was used (requested, lowest backtest MASE, the safer mean, or the
    default), with the other models' MASEs."""
    label = MODEL_LABELS[chosen]
    if chosen_by == "user":
        return f"{label}, as requested"
    best = min(scores, key=lambda name: scores[name].mase) if scores else chosen
    if (
        chosen_by == "mase"
        and best != chosen
        and scores[best].mase < scores[chosen].mase
    ):
        others = ", ".join(
            f"{_in_sentence(MODEL_LABELS[name])} {score.mase:.2f}"
            for name, score in scores.items()
            if name != chosen
        )
        text = (
            f"{label}: no model beat it clearly in the backtest (MASE "
            f"{scores[chosen].mase:.2f}; {others}; {_in_sentence(MODEL_LABELS[best])} "
            f"was {_wins(scores[best], scores[chosen])})"
        )
        if requested is not None and requested != chosen:
            text = f"{MODEL_LABELS[requested]} could not be used. {text}"
        return text
    if chosen_by == "mase":
        others = ", ".join(
            f"{_in_sentence(MODEL_LABELS[name])} {score.mase:.2f}"
            for name, score in scores.items()
            if name != chosen
        )
        text = f"{label} had the lowest backtest MASE ({scores[chosen].mase:.2f}"
        text += f"; {others})" if others else ")"
        if chosen == bench:
            text += ": no model beat the benchmark"
        if requested is not None and requested != chosen:
            text = f"{MODEL_LABELS[requested]} could not be used. {text}"
        return text
    why = (
        "backtest switched off"
        if not backtest_requested
        else "too little history to backtest"
    )
    if backtested:
        why = "no model could be backtested"
    return f"{label}, the default model ({why})"
