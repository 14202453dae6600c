"""Every bank, credit-card and cash fixture in ../shared/fixtures parses to the values its README lists.

One table, one parametrised test. Sign convention: negative = money out of the account. Investment statements
must not crash and report their cash lines and what they skipped. Every file in a malformed/ folder raises
ParseError with a specific message. Files in expected/ are outputs of other tools, not inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from financeapp.imports.parsed import ParsedFile, ParseError
from financeapp.imports.parsers import CsvMapping, parse, sniff
from tests.conftest import SHARED

FIXTURES = SHARED / "fixtures"
if not FIXTURES.is_dir():
    pytest.skip("../shared/fixtures is absent (a clone without the shared fixtures)", allow_module_level=True)

FOLDERS = ("ofx", "qfx", "qif", "csv", "camt")


@dataclass(frozen=True)
class E:
    """What a correct import of one fixture gives (None = the README does not say)."""

    count: int
    total: str | None = None
    first: str | None = None  # earliest booking date
    last: str | None = None  # latest booking date
    accounts: tuple[str, ...] | None = None  # account number per statement
    currency: str | None = "?"  # of every statement; "?" = not asserted
    closings: tuple[str | None, ...] | None = None  # closing balance per statement
    amounts: tuple[str, ...] = ()  # the first amounts, in file order
    payee: str | None = "?"  # of the first transaction ("?" = not asserted)
    memo: str | None = "?"
    external_id: str | None = "?"
    skipped: str | None = None  # a fragment of a statement's `skipped`
    warning: str | None = None  # a fragment of a warning
    mapping: dict[str, Any] | None = None  # CSV: CsvMapping overrides; header names stand for their column


def d(value: str) -> date:
    return date.fromisoformat(value)


INVESTMENT = "investment transaction"

OFX: dict[str, E] = {
    "ofx/OCA_test_ofx.ofx": E(4, "-360", "2013-08-24", "2013-08-24", ("123456", "123412341234"), "USD",
                              ("2156.56", "-562.00"), ("-80", "-90", "-100", "-90")),
    "ofx/OCA_test_ofx_iban.ofx": E(4, "-360", "2013-08-24", "2013-08-24", ("12345678901", "123412341234"), "USD",
                                   ("2156.56", "-562.00")),
    "ofx/actual_credit-card.ofx": E(1, "-6.00", "2023-03-30", "2023-03-30", ("7dc6a2fd-2124-457a-a14",), "USD",
                                    ("-9654.01",),
                                    payee="LOUISIANA STATE MUSEUM751 PLACE JOHN PAUL NEW ORLEANS 70116-3205LA USA"),
    "ofx/actual_data-multi-decimal.ofx": E(2, "-33.77", closings=(None,), amounts=("-30.00", "-3.77")),
    "ofx/actual_data.ofx": E(10, "-364.41", "2019-01-22", "2019-01-23", ("123456789123",), "USD",
                             amounts=("-30.00", "-3.77", "-9.62", "-115.99", "-10.34", "-22.53", "-108.71", "-25.00",
                                      "-32.38", "-6.07")),
    "ofx/beancount-import_amex.ofx": E(3, "-190.75", "2013-11-24", "2013-11-26", closings=("-2356.38",),
                                       amounts=("-143.94", "-28.05", "-18.76"), payee="PRUNE NEW YORK",
                                       memo="7101466 RESTAURANT"),
    "ofx/beancount-import_checking2.ofx": E(13, "-388.64", "2018-06-08", "2018-06-15", ("123456789",)),
    "ofx/beancount-import_fidelity_treasury.ofx": E(1, "1111.00", accounts=("X0000001",),
                                                    skipped="2 investment transactions (1 BUYDEBT, 1 SELLOTHER)"),
    "ofx/beancount-import_investment_buy_sell_income.ofx": E(
        1, "-8.4850", accounts=("123456789",),
        skipped="19 investment transactions (5 BUYMF, 1 BUYSTOCK, 10 INCOME, 2 SELLMF, 1 SELLSTOCK)"),
    "ofx/beancount-import_vanguard_xfer_in.ofx": E(0, accounts=("12345678",), skipped="2 investment transactions"),
    "ofx/beangulp_example.ofx": E(17, "-577.32", "2013-12-06", "2013-12-16", ("092243467384967",),
                                  closings=("-3609.07",)),
    "ofx/beangulp_example.qbo": E(23, "-691.81", "2013-06-26", "2013-09-03",
                                  ("011016298027", "122384459041", "2542393734236684"), "CAD",
                                  ("368.62", "2468.87", "0.00")),
    "ofx/beangulp_ofxdownload.ofx": E(12, "-352.82", "2013-12-01", "2013-12-16", ("379700001111222",), "USD",
                                      ("-2356.38",), ("-9.99", "-61.71", "-17.75", "-42.4", "-34.38", "-13.5",
                                                      "-21.96", "-14.47", "-56.43", "-13", "-60.23", "-7")),
    "ofx/jgnash_File_with_Accents.ofx": E(3, "-135.00", "2009-12-01", "2009-12-03", ("123-45678-9012345",), "CAD",
                                          amounts=("-30.00", "-45.00", "-60.00"), external_id="asdf23f",
                                          warning="FITID asdf23f appears on 2 transactions"),
    "ofx/jgnash_Sample.ofx": E(5, "237000", "2003-09-05", "2003-09-28", ("6789012",), "JPY", ("713000",),
                               payee="電話料"),
    "ofx/jgnash_activity.ofx": E(11, "161.08", "2008-10-21", "2008-11-23", ("1234",), "USD", ("-124.01",),
                                 ("180.00",), payee="Payment Thank You Electro"),
    "ofx/jgnash_bank1-commas.ofx": E(4, "210.51", accounts=("555555-S02",), closings=("524.10",),
                                     amounts=("-130.00", "-120.00", "300.01", "160.50")),
    "ofx/jgnash_bank1.ofx": E(4, "210.50", "2007-12-03", "2007-12-12", ("555555-S02",), "USD", ("524.10",),
                              ("-130.00", "-120.00", "300.00", "160.50")),
    "ofx/jgnash_bank2.ofx": E(2, "-250.00", "2007-12-11", "2007-12-12", ("555555-S02",),
                              amounts=("-130.00", "-120.00")),
    "ofx/jgnash_checking1.ofx": E(3, "0.00", "2007-07-10", "2007-09-18", closings=("345.67",),
                                  amounts=("-120.00", "150.00", "-30.00")),
    "ofx/jgnash_chequing.ofx": E(3, "-837.89", "2006-04-11", "2006-04-15", currency="CAD", closings=("5672.42",)),
    "ofx/jgnash_comptes.ofx": E(3, "-124.54", "2007-12-24", "2007-12-24", ("0009999999",), "EUR", ("917.15",),
                                ("-60.94", "-40.60", "-23.00"), payee="AUCHAN CARTE 99999999 PAIEMENT C"),
    "ofx/jgnash_demobank.ofx": E(3, "-2023", "1998-10-15", "1998-10-15", currency="JPY", closings=("90000",),
                                 amounts=("582", "-2500", "-105")),
    "ofx/jgnash_test_fails.ofx": E(2, "-236.0", "2018-09-07", "2018-09-10", ("12345678",), "EUR", ("999999.99",),
                                   ("-36.0", "-200.0")),
    "ofx/jgnash_uglyFormat.ofx": E(5, "2592.57", "2017-03-15", "2017-03-31", ("123456123456",)),
    "ofx/ledger-autosync_accented_characters_latin1.ofx": E(1, "-58.73", "2014-09-20", "2014-09-20", ("1452687~7",),
                                                            payee="Virement Interac à: Jean"),
    "ofx/ledger-autosync_apostrophe.ofx": E(1, "-58.73", "2014-09-20", "2014-09-20", payee="TRADER JOE'S #541 QPS"),
    "ofx/ledger-autosync_comments.ofx": E(2, "123.45", "2016-10-27", "2016-10-27", amounts=("123.45", "0"),
                                          payee="AMAZON MKTPLACE PMTS AMZN.COM/BI"),
    "ofx/ledger-autosync_cusip.ofx": E(0, skipped="2 investment transactions (1 BUYMF, 1 INCOME)"),
    "ofx/ledger-autosync_fidelity_fee.ofx": E(3, "-0.57", skipped=INVESTMENT),
    "ofx/ledger-autosync_income.ofx": E(0, accounts=("12345678.123456-01",), skipped="1 investment transaction"),
    "ofx/ofxparse_account_listing_aggregation.ofx": E(0, accounts=(), warning="lists 4 accounts"),
    "ofx/ofxparse_anzcc.ofx": E(1, "-5.50", "2017-05-08", "2017-05-08", ("1234123412341234",), "AUD", ("-123.45",),
                                payee="", memo="SOME MEMO"),
    "ofx/ofxparse_bank_medium.ofx": E(3, "-345.27", "2009-04-01", "2009-04-03", ("12300 000012345678",), "CAD",
                                      ("382.34",), ("-6.60", "-316.67", "-22.00"), payee="MCDONALD'S #112"),
    "ofx/ofxparse_checking.ofx": E(3, "-59.50", "2011-03-31", "2011-04-07", ("1452687~7",), "USD", ("100.99",),
                                   ("0.01", "-34.51", "-25.00")),
    "ofx/ofxparse_fidelity-savings.ofx": E(4, None, "2012-07-20", "2012-07-27", ("X0000001",),
                                           amounts=("-1500.00", "115.8331"), payee="Check Paid #0000001001",
                                           external_id="X0000000000000000000001"),
    "ofx/ofxparse_fidelity.ofx": E(3, accounts=("01234567890",), currency="USD",
                                   skipped="14 investment transactions (8 BUYSTOCK, 4 INCOME, 2 SELLSTOCK)"),
    "ofx/ofxparse_investment_401k.ofx": E(0, accounts=("12345678.123456-01",),
                                          skipped="3 investment transactions (1 BUYMF, 2 TRANSFER)"),
    "ofx/ofxparse_investment_medium.ofx": E(3, "-3.95", "2009-12-15", "2009-12-15", ("ABC123",), "CAD",
                                            amounts=("-3.65", "3.35", "-3.65")),
    "ofx/ofxparse_multiple_accounts.ofx": E(0, accounts=("9100", "9200"), closings=("111", "222")),
    "ofx/ofxparse_ofx-v102-empty-tags.ofx": E(1, "12.34", "2018-05-07", "2018-05-07", ("12345678",), None,
                                              memo="CBA:Transfer", warning="names no currency"),
    "ofx/ofxparse_signon_success.ofx": E(0, accounts=(), warning="no statement"),
    "ofx/ofxparse_suncorp.ofx": E(1, "-16.85", "2013-12-15", "2013-12-15", ("123456789",), "AUD", ("1234.12",),
                                  payee="EFTPOS WDL HANDYWAY ALDI STORE"),
    "ofx/ofxparse_td_ameritrade.ofx": E(0, accounts=("121212121",), skipped="2 positions"),
    "ofx/ofxparse_tiaacref.ofx": E(0, accounts=("111A1111 22B222 33C333",), skipped="1 investment transaction"),
    "ofx/ofxparse_vanguard.ofx": E(0, accounts=("01234567890",), skipped="1 investment transaction (1 SELLMF)"),
    "ofx/ofxparse_vanguard401k.ofx": E(0, accounts=("0123456",),
                                       skipped="5 investment transactions (4 BUYMF, 1 TRANSFER)"),
    "ofx/ofxstatement_ofx_spec201_invest_transactions_example.xml": E(0, accounts=("your broker account ID",),
                                                                      skipped="3 investment transactions"),
    "ofx/ofxstatement_ofx_spec201_stmtrs_example.xml": E(2, "-500.00", "1999-10-04", "1999-10-20", ("999988",),
                                                         "USD", amounts=("-200.00", "-300.00")),
    "ofx/ofxtools_br_nubank_cc.ofx": E(6, "-1280.91", "2024-03-22", "2024-03-23",
                                       ("11111111-UUID-UUID-UUID-111111111111",), "BRL", ("-1280.91",),
                                       ("-13.00", "-162.90", "-33.46", "-9.02", "-103.53", "-959.00")),
    "ofx/ofxtools_invstmtrs.ofx": E(1, "1000.00", "2005-08-25", "2005-08-25", ("999988",),
                                    skipped="1 investment transaction (1 BUYSTOCK)"),
    "ofx/ofxtools_stmtrs.ofx": E(2, "-500.00", "2005-10-04", "2005-10-20", ("999988",), "USD", ("200.29",),
                                 ("-200.00", "-300.00")),
    "ofx/ofxtools_stmtrs_euro.ofx": E(2, "-500.00", "2005-10-04", "2005-10-20", ("999988",), "USD", ("200.29",),
                                      ("-200.00", "-300.00")),
    "qfx/actual_1252.qfx": E(1, "-20.00", "2022-10-19", "2022-10-19", currency="CAD", payee="Café Métro €uro",
                             memo="Paiement 5€ — débit", external_id="cafe1252xx"),
    "qfx/actual_8859-1.qfx": E(1, "-20.00", "2022-10-19", "2022-10-19", ("999-12345-0055666-EOP",), "CAD",
                               payee="Paiement facture/Carte prépayée", memo="PWW", warning="the file is UTF-8"),
    "qfx/actual_html-vals.qfx": E(2, "-2.00", "2023-03-01", "2023-05-09", ("00000 00-00000",), "CAD",
                                  memo="PREAUTHORIZED DEBIT;B.C. HYDRO & POWER AUTHORITY;Electronic Funds Transfer"),
    "qfx/actual_utf-8.qfx": E(1, "-20.00", payee="Café Métro €uro", external_id="cafeUtf8xx"),
    "qfx/beangulp_example.qfx": E(0, accounts=("885847",), currency="USD",
                                  skipped="18 investment transactions (12 BUYMF, 2 REINVEST, 4 TRANSFER)"),
}  # fmt: skip

JEMMYW = E(3, "0.00", "2010-01-01", "2010-12-29", amounts=("-10.00", "-20.00", "30.00"))
OCA_QIF = E(5, "-1896.09", "2013-03-03", "2013-08-15", payee="Delta PC")
QIF: dict[str, E] = {
    "qif/OCA_test_qif.qif": OCA_QIF,
    "qif/OCA_test_qif_dmy.qif": OCA_QIF,
    "qif/OCA_test_qif_ymd.qif": OCA_QIF,
    "qif/actual_data-with-categories.qif": E(3, "-161.33", "2018-12-19", "2018-12-19",
                                             amounts=("-100.58", "-20.15", "-40.60")),
    "qif/actual_data.qif": E(18, "394.06", "2018-12-19", "2018-12-21"),
    "qif/actual_qif-account.qif": E(1, "-25.00", "2018-12-19", "2018-12-19", payee="COUNTY WASTE"),
    "qif/gnucash_cbb-export.qif": E(9, "-507.59", "1997-06-23", "1997-11-24"),
    "qif/gnucash_quicktest.qif": E(0, skipped="47 investment records"),
    "qif/gnucash_swipe.qif": E(0, skipped="11 investment records"),
    "qif/gnucash_web.qif": E(7, "-499.95", "1999-03-18", "1999-03-25"),
    "qif/jemmyw-qif_3_records_ddmmyy.qif": JEMMYW,
    "qif/jemmyw-qif_3_records_ddmmyyyy.qif": JEMMYW,
    "qif/jemmyw-qif_3_records_dmyy.qif": JEMMYW,
    "qif/jemmyw-qif_3_records_invalid_header.qif": JEMMYW,
    "qif/jemmyw-qif_3_records_mmddyy.qif": JEMMYW,
    "qif/jemmyw-qif_3_records_mmddyyyy.qif": JEMMYW,
    "qif/jemmyw-qif_3_records_separator.qif": E(3, "-31000.00", "2010-01-01", "2010-12-29",
                                                amounts=("-1010.00", "-30020.00", "30.00")),
    "qif/jemmyw-qif_3_records_spaced.qif": JEMMYW,
    "qif/jemmyw-qif_quicken_investment_account.qif": E(0, skipped="2 investment records"),
    "qif/jemmyw-qif_quicken_non_investement_account.qif": E(3, "-935.00", "1994-06-01", "1994-06-03",
                                                            amounts=("-1000.00", "75.00", "-10.00"),
                                                            warning="do not add up"),
    "qif/jemmyw-qif_splits.qif": E(2, "-925.00", "1994-06-01", "1994-06-02"),
    "qif/jgnash_bank1.qif": E(6, "-166.74", "2011-02-22", "2011-03-15"),
    "qif/qifparse_file.qif": E(3, "-23.50", "2013-10-11", "2013-10-23", skipped="2 investment records"),
    "qif/qifparse_transactions_only.qif": E(3, "-23.50", "2013-10-11", "2013-10-23",
                                            amounts=("-6.50", "31.00", "-48.00")),
    "qif/quiffen_test.qif": E(6, "-35.50", "2020-02-10", "2020-02-14", skipped="1 investment record"),
    "qif/quiffen_test_FMQifTest2023-10-18.qif": E(2, "200.00", "2023-10-18", "2023-10-18",
                                                  amounts=("0.00", "200.00")),
    "qif/quiffen_test_clear_autoswitch.qif": E(0, warning="no transactions"),
    "qif/quiffen_test_option_autoswitch.qif": E(0, warning="no transactions"),
    "qif/quiffen_test_split.qif": E(1, "-10.00", "2000-01-01", "2000-01-01"),
    "qif/quiffen_test_transaction_before_account_definition_1.qif": E(2, "-197.96", "2022-09-08", "2022-09-23",
                                                                      amounts=("-184.8", "-13.16")),
    "qif/quiffen_test_unknown_account_type.qif": E(0, skipped="1 investment record"),
}  # fmt: skip

CAMT: dict[str, E] = {
    "camt/OCA_test-camt053-no-ntry.xml": E(0, accounts=("NL77ABNA0574908765",), closings=("1520.76",)),
    "camt/OCA_test-camt053-txdtls.xml": E(2, "3483.00", "2017-03-22", "2017-03-22", ("CH1111000000123456789",),
                                          "CHF", ("79443.15",), ("2187.00", "1296.00"),
                                          payee="Banque Cantonale Vaudoise"),
    "camt/OCA_test-camt053.xml": E(4, "-12.99", "2014-01-05", "2014-01-05", ("NL77ABNA0574908765",), "EUR",
                                   ("15121.12",), ("-754.25", "-564.05", "-100.00", "1405.31"),
                                   payee="INSURANCE COMPANY TESTX", external_id="435005714488-ABNO33052620"),
    "camt/OCA_test-camt054.xml": E(1, "5.00", "2022-01-26", "2022-01-26", ("NL77ABNA0574908765",), "EUR",
                                   payee="Test Customer", warning="camt.054"),
    "camt/actual_camt.053.xml": E(7, "-164.10", "2013-12-30", "2024-03-12", ("DE14740618130000033626",), "EUR",
                                  ("27.61",), ("0.60", "0.50", "-89.85", "1.20", "-80.00", "2.25", "1.20")),
    "camt/actual_camt.latin1.xml": E(2, "95.00", "2025-09-09", "2025-09-09", ("DE00000000000000000000",), "EUR",
                                     amounts=("100.00", "-5.00"), memo="M-Überschusssparen"),
    "camt/ofxstatement-iso20022_camt052.xml": E(5, "-251.40", "2021-02-05", "2021-02-05",
                                                ("DE00000000000000000000",), "EUR", ("16.95",),
                                                ("-30.00", "-26.00", "-34.52", "2.50", "-163.38"),
                                                payee="SPARKASSE PFORZHEIM CALW", external_id=None),
    "camt/ofxstatement-iso20022_camt053.xml": E(1, "1284.30", "2023-01-25", "2023-01-25", ("0035-2915203-10-000",),
                                                "CHF", ("2116.31",), memo="PAYMENT INFO"),
    "camt/ofxstatement-iso20022_davider80.xml": E(16, "-3679.85", "2017-04-01", "2017-04-11", closings=("5753.46",)),
    "camt/ofxstatement-iso20022_gcamp6.xml": E(5, "13010.00", "2016-04-23", "2016-12-31",
                                               ("CH2609000000924238861",), None, ("10000.00",), warning="XXX"),
    "camt/ofxstatement-iso20022_simple.xml": E(4, "-181.01", "2015-12-31", "2015-12-31", ("LT000000000000000000",),
                                               "EUR", ("125.52",), ("-0.29", "-0.29", "-28.19", "-152.24"),
                                               payee="AB DNB Bankas", memo="Sąskaitos aptarnavimo mokestis",
                                               external_id="FC1261858984"),
}  # fmt: skip

# OCA's sheet-import tests read Debit/Credit from the bank journal's side (a debit is money coming in), so their
# expected balances (10.00 -> 1510.00; line 1 = +50, line 4 = -1300) need the two columns swapped.
OCA_SWAPPED = {"debit_column": "Credit", "credit_column": "Debit"}
NO_HEADER = {"header_row": None}
CSV: dict[str, E] = {
    "csv/OCA_balance.csv": E(2, "1500.00", "2018-12-15", "2018-12-15", amounts=("-33.50", "1533.50")),
    "csv/OCA_debit_credit.csv": E(2, "1500.00", "2018-12-15", "2018-12-15", amounts=("-33.50", "1533.50")),
    "csv/OCA_debit_credit_amount.csv": E(4, "1500.00", mapping=OCA_SWAPPED),
    "csv/OCA_empty_statement_en.csv": E(0, warning="no transactions"),
    "csv/OCA_meta_data_separated_credit_debit.csv": E(4, "-1069.32", "2020-04-01", "2020-04-02",
                                                      amounts=("50.00", "100.00", "80.68", "-1300.00"),
                                                      mapping=OCA_SWAPPED),
    "csv/OCA_multi_currency.csv": E(2, "1491.50", amounts=("-33.50", "1525.00")),
    "csv/OCA_original_currency.csv": E(1, "1525.00"),
    "csv/RechnungsPilot_commerzbank.csv": E(7, "-73.74", "2024-12-31", "2025-08-07", amounts=("-10.7", "0")),
    "csv/RechnungsPilot_gls-bank.csv": E(18, "-590.22", "2025-12-10", "2025-12-17"),
    "csv/RechnungsPilot_paypal.csv": E(11, "-24.77", "2025-06-18", "2025-11-14", payee="PayPal Inc.",
                                       external_id="8L0000000S000000N"),
    "csv/RechnungsPilot_sparkasse-lzo-camt-v2.csv": E(10, "-921.27", "2025-12-03", "2025-12-05"),
    "csv/RechnungsPilot_sparkasse-lzo-mt940.csv": E(10, "-921.27", "2025-12-03", "2025-12-05"),
    "csv/actual_data_euc-jp.csv": E(3, "135.75", "2024-03-01", "2024-03-03", amounts=("-30.00", "45.75", "120.00"),
                                    payee="山田下社"),
    "csv/actual_utf-8-bom.csv": E(2, "200", "2025-12-01", "2025-12-04", amounts=("100",)),
    "csv/actual_windows-1252-euro.csv": E(1, "100.25", "2025-12-04", "2025-12-04", payee="Café €Rémy"),
    "csv/actual_windows-1252.csv": E(2, "58.15", "2025-12-04", "2025-12-05", amounts=("100.25", "-42.10"),
                                     payee="Café Rémy"),
    # A brokerage export: 21 lines, of which 5 (stock plan activity, the total) carry no cash amount.
    "csv/beancount-import_Brokerage_Transactions_20201115-180021.CSV": E(16, None, "2020-04-01", "2022-04-22",
                                                                         warning="has no amount"),
    "csv/beancount-import_EAC_Checking_Transactions_20201223-160009.CSV": E(12, "22481.17", "2019-11-22",
                                                                            "2021-11-01"),
    "csv/beangulp_UTrade20140713.csv": E(14, None, "2014-04-14", "2014-07-12", amounts=("-4925.45", "-9580.26"),
                                         external_id="14167001"),
    "csv/beangulp_csvbank_statement.csv": E(6, "-1490.16", "2016-03-04", "2016-03-18",
                                            amounts=("-2680.89", "2590.73", "-150.00", "-60.00", "110.00",
                                                     "-1300.00")),
    "csv/beangulp_example.csv": E(6, "0.00", "2013-07-02", "2013-09-30", warning="has no amount"),
    "csv/fava_import.csv": E(2, "-150.00", "2017-02-13", "2017-02-14", amounts=("-100.00", "-50.00")),
    "csv/firefly-iii_test-upload.csv": E(5, "152.74", "2016-01-23", "2016-01-23",
                                         amounts=("34.96", "16.62", "31.14", "45.1", "24.92"),
                                         mapping={**NO_HEADER, "date_column": 3, "date_format": "%Y%m%d",
                                                  "amount_column": 4, "payee_column": 2}),
    "csv/hledger_csb43.csv": E(2, "1000.00", "2019-11-02", "2019-11-10", amounts=("1500.00", "-500.00")),
    # Monefy writes D/M/Y (hledger's rules for it say so); 06/12/2021 alone cannot tell.
    "csv/hledger_monefy.csv": E(8, "5892.8", "2021-12-06", "2021-12-06", mapping={"date_format": "%d/%m/%Y"}),
    "csv/hledger_sample.csv": E(3, "20.00", "2012-03-22", "2012-03-24", amounts=("50.00", "-10.00", "-20.00")),
    "csv/hledger_sample.fr.cp1252.csv": E(3, "20.00", "2012-03-22", "2012-03-24", payee="DÉPÔT"),
    "csv/hledger_sample.fr.iso88591.csv": E(3, "20.00", "2012-03-22", "2012-03-24", payee="DÉPÔT"),
    "csv/hledger_sample.fr.utf8.csv": E(3, "20.00", "2012-03-22", "2012-03-24", payee="DÉPÔT"),
    "csv/hledger_sample.ssv": E(2, "0", "2009-09-10", "2009-09-11", amounts=("50", "-50"),
                                mapping={**NO_HEADER, "date_column": 0, "date_format": "%d/%Y/%m",
                                         "credit_column": 2, "debit_column": 3, "payee_column": 1}),
    "csv/hledger_sample.tsv": E(2, "0", "2009-09-10", "2009-09-11", amounts=("50", "-50"), payee="Flubber Co🎅",
                                mapping={**NO_HEADER, "date_column": 0, "date_format": "%d/%Y/%m",
                                         "credit_column": 2, "debit_column": 3, "payee_column": 1}),
    "csv/hledger_ynab4-rtl.csv": E(2, "-97.960", "2022-11-07", "2022-12-11", amounts=("-4.750", "-93.210")),
    # An order history, not a bank statement: the order total is money spent.
    "csv/ledger-autosync_amazon.csv": E(1, "-21.90", "2016-01-29", "2016-01-29",
                                        mapping={"date_column": "Order Date", "date_format": "%m/%d/%y",
                                                 "amount_column": "Item Total", "payee_column": "Title",
                                                 "negate": True}),
    "csv/ledger-autosync_mint.csv": E(2, "93.46", "2016-06-02", "2016-08-02", amounts=("-29.99", "123.45")),
    "csv/ledger-autosync_paypal.csv": E(2, "1100.00", "2016-06-04", "2016-06-04", amounts=("-20.00", "1120.00"),
                                        payee="Jane Doe", external_id="XYZ1"),
    "csv/ledger-autosync_paypal_alternate.csv": E(2, "0.00", "2016-12-31", "2016-12-31",
                                                  amounts=("-12.34", "12.34"), payee="Some User"),
    "csv/ledger-autosync_venmo.csv": E(4, "76.01", "2020-01-01", "2020-01-04",
                                       amounts=("73.01", "50.03", "-12.01", "-35.02")),
    "csv/ofxstatement-austrian_easybank-creditcard.csv": E(3, "2.31", "2013-02-19", "2013-07-02",
                                                           amounts=("-5.99", "30.99", "-22.69"),
                                                           mapping={**NO_HEADER, "date_column": 2,
                                                                    "date_format": "%d.%m.%Y", "amount_column": 4,
                                                                    "memo_column": 1, "decimal_separator": ",",
                                                                    "thousands_separator": "."}),
    "csv/ofxstatement-austrian_easybank-giro.csv": E(10, "-1562.86", "2014-01-01", "2015-10-07",
                                                     mapping={**NO_HEADER, "date_column": 2,
                                                              "date_format": "%d.%m.%Y", "amount_column": 4,
                                                              "memo_column": 1, "decimal_separator": ",",
                                                              "thousands_separator": "."}),
    "csv/ofxstatement-austrian_ing-diba.csv": E(6, "-992.03", "2013-08-13", "2013-12-31",
                                                amounts=("12.23", "-34.56", "500.00", "20.30", "-1500.00")),
    "csv/ofxstatement-austrian_livebank.csv": E(6, "5050.00"),
    "csv/ofxstatement-austrian_oberbank.csv": E(5, "-9.00", "2017-03-15", "2017-03-15",
                                                amounts=("-11.00", "-10.00", "-9.00", "11.00", "10.00")),
    "csv/ofxstatement-austrian_raiffeisen.csv": E(7, "-157.89", "2013-06-28", "2013-07-04",
                                                  mapping={**NO_HEADER, "date_column": 0, "date_format": "%d.%m.%Y",
                                                           "amount_column": 3, "memo_column": 1,
                                                           "decimal_separator": ",", "thousands_separator": "."}),
    "csv/ofxstatement-de-ing_test_with_saldo_1.csv": E(9, "-178.60", "2018-12-09", "2018-12-28",
                                                       payee="PayDude (Europe) S.a.r.l. et Cie., S .C.A."),
    "csv/ofxstatement-de-ing_test_without_saldo_1.csv": E(6, "-180.93", "2018-12-10", "2018-12-28"),
    "csv/ofxstatement-dutch_Knab_transactieoverzicht_ok.csv": E(28, "7.01", "2019-01-07", "2019-06-21",
                                                                amounts=("-827.75", "827.75", "-2500")),
    "csv/ofxstatement-dutch_ing_ok.csv": E(6, "19.38", "2019-12-13", "2020-02-13", amounts=("-1.25", "1.25", "0.00")),
    "csv/ofxstatement-dutch_transactie-historie_NL00ASNB9999999999_20220717204133.csv": E(
        11, "-46.20", "2022-06-17", "2022-07-11", amounts=("223.77", "-200.00"),
        mapping={**NO_HEADER, "date_column": 0, "date_format": "%d-%m-%Y", "amount_column": 10, "payee_column": 3,
                 "memo_column": 17}),
    "csv/ofxstatement-revolut_2021-october.csv": E(7, "165.31", amounts=("-250", "-9.5"), payee="transfer"),
    "csv/ofxstatement-revolut_2022-january.csv": E(9, "-31.59", "2022-01-02", "2022-01-15"),
    "csv/ofxstatement-sparkasse-freiburg_simple1.csv": E(2, "-1111.56", "2018-03-28", "2018-03-28",
                                                         amounts=("-1234.56", "123.00"),
                                                         payee="ASDF Immobilien GmbH"),
    "csv/ofxstatement-sparkasse-freiburg_simple2.csv": E(18, "107.17", "2018-03-21", "2018-04-03",
                                                         amounts=("-22.59",)),
}  # fmt: skip

CASES = {**OFX, **QIF, **CAMT, **CSV}

MALFORMED = {
    "ofx/malformed/OCA_test_ofx_wrong.ofx": "has no posting date (DTPOSTED)",
    "ofx/malformed/ofxparse_bank_small.ofx": "holds no statement and no sign-on response",
    "ofx/malformed/ofxparse_error_message.ofx": "error instead of a statement: code 2000 General Server Error",
    "ofx/malformed/ofxparse_fail_nice_date_missing.ofx": "has no posting date (DTPOSTED)",
    "ofx/malformed/ofxparse_fail_nice_decimal_error.ofx": "DTPOSTED “201120000000”",
    "ofx/malformed/ofxparse_fail_nice_empty_balance.ofx": "(LEDGERBAL) dated 20110614 has no amount",
    "ofx/malformed/ofxparse_signon_fail.ofx": "refused the sign-on: code 15500",
    "camt/malformed/ofxstatement-iso20022_unsupported.xml": "urn:weird-namespace",
}


def _resolve(layout_header: tuple[str, ...], value: Any) -> Any:
    return layout_header.index(value) if isinstance(value, str) and value in layout_header else value


def fixture_mapping(name: str) -> CsvMapping | None:
    """The CSV mapping a user would choose in the wizard for a fixture the detection cannot map."""
    expect = CASES.get(name)
    if expect is None or expect.mapping is None:
        return None
    return _mapping((FIXTURES / name).read_bytes(), expect)


def _parse(name: str, expect: E) -> ParsedFile:
    data = (FIXTURES / name).read_bytes()
    if expect.mapping is None:
        return parse(data, name)
    return parse(data, name, csv_mapping=_mapping(data, expect))


def _mapping(data: bytes, expect: E) -> CsvMapping:
    layout = sniff(data)
    base = layout.suggested or CsvMapping(
        date_column=0, header_row=layout.header_row, delimiter=layout.delimiter, quotechar=layout.quotechar,
        encoding=layout.encoding, amount_column=0,
    )
    overrides = {k: _resolve(layout.header, v) for k, v in expect.mapping.items()}
    if "debit_column" in overrides or "credit_column" in overrides:
        overrides.setdefault("amount_column", None)
        overrides.setdefault("sign_column", None)
    if "amount_column" in overrides:
        overrides.setdefault("debit_column", None)
        overrides.setdefault("credit_column", None)
    return replace(base, **overrides)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fixture_parses_to_the_values_its_readme_lists(name: str) -> None:
    expect = CASES[name]
    parsed = _parse(name, expect)
    txns = [t for s in parsed.statements for t in s.transactions]

    assert len(txns) == expect.count
    if expect.total is not None:
        assert sum((t.amount for t in txns), Decimal(0)) == Decimal(expect.total)
    if expect.first is not None:
        assert min(t.on for t in txns) == d(expect.first)
        assert max(t.on for t in txns) == d(expect.last or expect.first)
    if expect.accounts is not None:
        assert tuple(s.account_number for s in parsed.statements) == expect.accounts
    if expect.currency != "?":
        assert {s.currency for s in parsed.statements} == {expect.currency}
    if expect.closings is not None:
        wanted = tuple(Decimal(c) if c is not None else None for c in expect.closings)
        assert tuple(s.closing_balance for s in parsed.statements) == wanted
    if expect.amounts:
        assert [t.amount for t in txns[: len(expect.amounts)]] == [Decimal(a) for a in expect.amounts]
    first = txns[0] if txns else None
    for attr in ("payee", "memo", "external_id"):
        wanted = getattr(expect, attr)
        if wanted != "?":
            assert first is not None and getattr(first, attr) == wanted
    if expect.skipped:
        assert any(expect.skipped in s for st in parsed.statements for s in st.skipped), [
            st.skipped for st in parsed.statements
        ]
    if expect.warning:
        assert any(expect.warning in w for w in parsed.warnings), parsed.warnings
    assert all(t.row >= 1 for t in txns)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_fixture_raises_a_specific_parse_error(name: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse((FIXTURES / name).read_bytes(), name)
    assert MALFORMED[name] in str(caught.value)


def test_the_tables_cover_every_fixture_file() -> None:
    inputs = {
        str(p.relative_to(FIXTURES))
        for folder in FOLDERS
        for p in (FIXTURES / folder).iterdir()
        if p.is_file() and not p.name.startswith(".")
    }
    malformed = {
        str(p.relative_to(FIXTURES))
        for folder in FOLDERS
        if (FIXTURES / folder / "malformed").is_dir()
        for p in (FIXTURES / folder / "malformed").iterdir()
        if p.is_file()
    }
    assert inputs == set(CASES)
    assert malformed == set(MALFORMED)
