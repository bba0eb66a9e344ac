"""The currency shown comes from the amounts' symbols or, failing that, a Currency column;
a file mixing currencies is flagged, since its totals add unlike amounts."""

from __future__ import annotations

import pandas as pd
import pytest

from analytics.ingest import ingest_bytes


def _csv(currencies: list[str], amounts: list[str] | None = None) -> bytes:
    n = len(currencies)
    return (
        pd.DataFrame(
            {
                "Date": pd.date_range("2024-05-01", periods=n, freq="D").strftime(
                    "%Y-%m-%d"
                ),
                "Amount": amounts or [f"{10 * (i + 1)}.00" for i in range(n)],
                "Currency": currencies,
            }
        )
        .to_csv(index=False)
        .encode()
    )


def test_currency_column_names_the_currency_when_amounts_carry_no_symbol():
    result = ingest_bytes(_csv(["eur", "EUR", " eur "]), "stripe.csv")
    assert result.report["currency"] == "EUR"
    assert "Amounts are in EUR (the 'Currency' column)." in result.report["assumptions"]
    assert not any("several currencies" in w for w in result.warnings)
    assert result.frame["revenue"].sum() == pytest.approx(60.0)


def test_symbols_in_the_amounts_win_over_the_column():
    result = ingest_bytes(_csv(["GBP"] * 3, ["£10.00", "£20.00", "£5.50"]), "shop.csv")
    assert result.report["currency"] == "GBP"
    assert not any("the 'Currency' column" in a for a in result.report["assumptions"])


def test_mixed_currencies_are_flagged_and_the_most_used_is_shown():
    result = ingest_bytes(_csv(["USD", "EUR", "EUR", "EUR", "GBP"]), "paypal.csv")
    (warning,) = [w for w in result.warnings if "several currencies" in w]
    assert "EUR, USD, GBP" in warning or "EUR, GBP, USD" in warning
    assert "'Currency' column" in warning
    assert result.report["currency"] == "EUR"


def test_a_column_of_other_words_is_not_a_currency():
    data = (
        pd.DataFrame(
            {
                "Date": ["2024-01-01", "2024-01-02"],
                "Amount": [1.0, 2.0],
                "Currency": ["see note", "n/a"],
            }
        )
        .to_csv(index=False)
        .encode()
    )
    result = ingest_bytes(data, "x.csv")
    assert result.report["currency"] is None
    assert not any("several currencies" in w for w in result.warnings)
