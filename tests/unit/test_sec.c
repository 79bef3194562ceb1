/*
 * 8-K filings read by adapters/sec.c, on the real EDGAR documents of
 * tests/fixtures/sec_edgar (see its ATTRIBUTION.md): the form type,
 * registrant, dates and item numbers, and excerpts of the text exactly
 * as extracted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/sec.h"
#include "lib/buf.h"

#define DIR "tests/fixtures/sec_edgar/"

static void load(const char *name, buf *out)
{
    char path[256], chunk[8192];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), DIR "%s", name);
    f = fopen(path, "rb");
    assert_non_null(f);
    buf_init(out);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(out, chunk, n);
    fclose(f);
}

static void parse(const char *name, sec_filing *f)
{
    char err[256] = "";
    buf b;

    load(name, &b);
    if (sec_filing_parse(b.data, b.len, 0, f, err, sizeof(err)) != 0)
        fail_msg("%s: %s", name, err);
    buf_release(&b);
}

static void items_are(const sec_filing *f, const char *want)
{
    char got[128] = "";

    for (size_t i = 0; i < f->nitems; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, f->items[i]);
    }
    assert_string_equal(got, want);
}

static void has(const sec_filing *f, const char *excerpt)
{
    if (!strstr(f->text, excerpt))
        fail_msg("text lacks \"%s\"", excerpt);
}

static void test_full_submission_abvc(void **state)
{
    sec_filing f;

    (void)state;
    parse("abvc_8-K_2025-04-15_items2.02-4.02-7.01-9.01_0001213900-25-"
          "032135_cut.txt",
          &f);
    assert_string_equal(f.form_type, "8-K");
    assert_string_equal(f.accession, "0001213900-25-032135");
    assert_string_equal(f.company, "ABVC BIOPHARMA, INC.");
    assert_string_equal(f.filed, "2025-04-15");
    assert_string_equal(f.period, "2025-04-15");
    items_are(&f, "2.02 4.02 7.01 9.01");
    /* The main document (the 8-K), not the EX-99.1 after it. */
    assert_memory_equal(
        f.text, "UNITED STATES\nSECURITIES AND EXCHANGE COMMISSION\n", 48);
    has(&f, "\nDate of Report (Date of earliest event reported): April 15, "
            "2025\nABVC BIOPHARMA, INC.\n");
    has(&f, "\nItem 4.02 Non-Reliance on Previously Issued Financial "
            "Statements or a Related Audit Report or Completed Interim "
            "Review.\n");
    /* &#x2019; and friends decode to UTF-8. */
    has(&f, "The Company\xe2\x80\x99s Audit Committee discussed the matters "
            "disclosed in this Item 4.02 with its independent registered "
            "public accounting firm, Simon & Edward, LLP.");
    sec_filing_release(&f);
}

static void test_inline_xbrl_oracle(void **state)
{
    sec_filing f;

    (void)state;
    parse("oracle_8-K_2024-11-14_item5.07.html", &f);
    assert_string_equal(f.form_type, "8-K");
    assert_string_equal(f.company, "ORACLE CORP");
    assert_string_equal(f.period, "2024-11-14");
    assert_string_equal(f.accession, "");
    /* "Item" and "5.07" are separated by U+2009 in the source. */
    items_are(&f, "5.07");
    has(&f, "\nItem 5.07 Submission of Matters to a Vote of Security "
            "Holders\n");
    has(&f, "\nOracle Corporation\n(Exact name of registrant as specified "
            "in its charter)\n");
    /* The hidden inline-XBRL header is not text. */
    assert_null(strstr(f.text, "ix:header"));
    assert_null(strstr(f.text, "0001341439"));
    sec_filing_release(&f);
}

static void test_items_and_dates_of_each_filing(void **state)
{
    static const struct {
        const char *file, *company, *period, *items, *excerpt;
    } cases[] = {
        {"blackrock_8-K_2023-02-24_item5.02.html", "BlackRock Inc.",
         "2023-02-24", "5.02",
         "\nItem 5.02 Departure of Directors or Certain Officers; Election "
         "of Directors; Appointment of Certain Officers; Compensatory "
         "Arrangements of Certain Officers.\n"},
        {"nordstrom_8-K_2023-03-01_item5.02.html", "Nordstrom, Inc.",
         "2023-03-01", "5.02 9.01",
         "\nITEM 9.01 Financial Statements and Exhibits\n"},
        {"buckle_8-K_2024-11-22_item2.02.html", "BUCKLE, INC", "2024-11-22",
         "2.02 9.01",
         "On November 22, 2024, The Buckle, Inc. announced financial results "
         "for the fiscal quarter ended November 2, 2024."},
        {"premier_financial_8-K_2021-03-29_item8.01_0000887919-21-000012.html",
         "PREMIER FINANCIAL BANCORP, INC.", "2021-03-29", "8.01 9.01",
         "\nItem 8.01. Other Events\n"},
        /* 2003: the old integer items, no XBRL. */
        {"lge_ku_8-K_2003-03-25_item9_0001104659-03-004925.html", "",
         "2003-03-25", "9", "\nItem 9. Regulation FD Disclosure\n"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        sec_filing f;

        parse(cases[i].file, &f);
        assert_string_equal(f.form_type, "8-K");
        assert_string_equal(f.company, cases[i].company);
        assert_string_equal(f.period, cases[i].period);
        items_are(&f, cases[i].items);
        has(&f, cases[i].excerpt);
        sec_filing_release(&f);
    }
}

static void test_document_envelope_exhibit(void **state)
{
    sec_filing f;

    (void)state;
    parse("buckle_8-K_2024-11-22_EX-99.1.sgml-document.html", &f);
    assert_string_equal(f.form_type, "EX-99.1");
    items_are(&f, "");
    assert_memory_equal(f.text, "Exhibit 99.1\nThe Buckle, Inc.\n", 29);
    has(&f, "\nTHE BUCKLE, INC. REPORTS THIRD QUARTER NET INCOME\n");
    has(&f, "KEARNEY, NE -- (BUSINESS WIRE) -- The Buckle, Inc. (NYSE: BKE) "
            "announced today that net income for the fiscal quarter ended "
            "November 2, 2024 was $44.2 million, or $0.89 per share ($0.88 "
            "per share on a diluted basis).");
    sec_filing_release(&f);
}

static void test_size_limit_and_empty_submission(void **state)
{
    const char *sub = "<SEC-DOCUMENT>x\n<SEC-HEADER>\nCONFORMED SUBMISSION "
                      "TYPE:\t8-K\n</SEC-HEADER>\n</SEC-DOCUMENT>\n";
    char err[256];
    sec_filing f;
    buf b;

    (void)state;
    load("blackrock_8-K_2023-02-24_item5.02.html", &b);
    assert_int_equal(
        sec_filing_parse(b.data, b.len, 1000, &f, err, sizeof(err)), -1);
    assert_string_equal(
        err, "SEC filing of 23538 bytes is over the 1000-byte limit");
    buf_release(&b);
    assert_int_equal(
        sec_filing_parse(sub, strlen(sub), 0, &f, err, sizeof(err)), -1);
    assert_string_equal(err, "SEC submission holds no <DOCUMENT>");
}

/* An old plain-text filing is not always UTF-8: its Latin-1 bytes are
 * read as Latin-1 (as the HTML path reads them) and a NUL byte is a
 * space, so the text stores (PostgreSQL refuses bytes that are not
 * UTF-8, which failed every ingestion job listing the filing). */
static void test_plain_text_latin1_and_nul(void **state)
{
    static const char sub[] =
        "<SEC-DOCUMENT>x\n<SEC-HEADER>\nCONFORMED SUBMISSION TYPE:\t8-K\n"
        "</SEC-HEADER>\n<DOCUMENT>\n<TYPE>8-K\n<TEXT>\n"
        "FORM 8-K\nItem 2.02 R\xe9sultats \x92Q3\x92\0end\n"
        "</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n";
    char err[256] = "";
    sec_filing f;

    (void)state;
    assert_int_equal(
        sec_filing_parse(sub, sizeof(sub) - 1, 0, &f, err, sizeof(err)), 0);
    assert_string_equal(f.text, "\nFORM 8-K\nItem 2.02 R\xc3\xa9sultats "
                                "\xc2\x92Q3\xc2\x92 end\n");
    assert_int_equal(f.text_len, strlen(f.text));
    items_are(&f, "2.02");
    sec_filing_release(&f);
}

static void test_submission_url(void **state)
{
    char *u;

    (void)state;
    u = sec_submission_url("https://www.sec.gov/Archives/edgar/data/2063236/"
                           "000206323625000004/0002063236-25-000004-index.htm");
    assert_string_equal(u, "https://www.sec.gov/Archives/edgar/data/2063236/"
                           "000206323625000004/0002063236-25-000004.txt");
    free(u);
    assert_null(sec_submission_url("https://example.invalid/filing.htm"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_submission_abvc),
        cmocka_unit_test(test_inline_xbrl_oracle),
        cmocka_unit_test(test_items_and_dates_of_each_filing),
        cmocka_unit_test(test_document_envelope_exhibit),
        cmocka_unit_test(test_size_limit_and_empty_submission),
        cmocka_unit_test(test_plain_text_latin1_and_nul),
        cmocka_unit_test(test_submission_url),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
