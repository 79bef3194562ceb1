/*
 * adapters/feed.c on the real SEC EDGAR Atom feed of tests/fixtures/rss
 * (ISO-8859-1, see ATTRIBUTION.md) and on small RSS 2.0 / RSS 1.0
 * documents written here for what that feed lacks: non-ASCII bytes in
 * a declared encoding, CDATA, doubly-encoded entities, RFC 822 dates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/feed.h"
#include "lib/buf.h"

#define SEC_FEED                                                               \
    "tests/fixtures/rss/sec_edgar_latest_filings_atom_2025-12-12.xml"

static void load(const char *path, buf *out)
{
    char chunk[8192];
    FILE *f = fopen(path, "rb");
    size_t n;

    assert_non_null(f);
    buf_init(out);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        buf_add(out, chunk, n);
    fclose(f);
}

static void parse_ok(const char *s, size_t len, feed *f)
{
    char err[256] = "";

    if (feed_parse(s, len, NULL, 0, f, err, sizeof(err)) != 0)
        fail_msg("%s", err);
}

static void test_sec_atom_feed(void **state)
{
    size_t forms[4] = {0};
    feed f;
    buf b;

    (void)state;
    load(SEC_FEED, &b);
    parse_ok(b.data, b.len, &f);
    assert_string_equal(f.format, "atom");
    assert_string_equal(f.title,
                        "Latest Filings - Fri, 12 Dec 2025 18:03:44 EST");
    assert_int_equal(f.nitems, 100);

    assert_string_equal(f.items[0].title,
                        "4 - Perez Daniel Antonio (0002063236) (Reporting)");
    assert_string_equal(f.items[0].link,
                        "https://www.sec.gov/Archives/edgar/data/2063236/"
                        "000206323625000004/0002063236-25-000004-index.htm");
    assert_string_equal(f.items[0].id, "urn:tag:sec.gov,2008:accession-"
                                       "number=0002063236-25-000004");
    /* summary type="html": escaped markup, removed. */
    assert_string_equal(f.items[0].summary,
                        "Filed: 2025-12-12 AccNo: 0002063236-25-000004 "
                        "Size: 10 KB");
    assert_string_equal(f.items[0].category, "4");
    assert_string_equal(f.items[0].time_text, "2025-12-12T18:02:43-05:00");
    assert_int_equal(f.items[0].published, 1765580563LL);

    assert_string_equal(f.items[1].title,
                        "4 - Hinge Health, Inc. (0001673743) (Issuer)");
    assert_string_equal(f.items[3].title,
                        "4 - ROYAL GOLD INC (0000085535) (Issuer)");
    for (size_t i = 0; i < f.nitems; i++) {
        const char *c = f.items[i].category;

        forms[0] += strcmp(c, "4") == 0;
        forms[1] += strcmp(c, "144") == 0;
        forms[2] += strcmp(c, "144/A") == 0;
        forms[3] += strcmp(c, "SCHEDULE 13D/A") == 0;
        /* 17:32:53 to 18:02:43 EST, as the feed's <updated> say. */
        assert_in_range(f.items[i].published, 1765578773LL, 1765580563LL);
    }
    assert_int_equal(forms[0], 88);
    assert_int_equal(forms[1], 6);
    assert_int_equal(forms[2], 2);
    assert_int_equal(forms[3], 4);
    feed_release(&f);
    buf_release(&b);
}

static void test_rss2_latin1_entities_cdata(void **state)
{
    const char *rss =
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n"
        "<rss version=\"2.0\"><channel><title>Caf\xe9 news</title>"
        "<item><title>Soci\xe9t\xe9 G\xe9n\xe9rale &amp;amp; AT&amp;T"
        "</title><link> https://news.invalid/a </link>"
        "<guid isPermaLink=\"false\">a-1</guid>"
        "<description>&lt;p&gt;Shares of &lt;b&gt;Apple&lt;/b&gt; "
        "(AAPL) rose &amp;#8212; it&amp;#39;s up&lt;/p&gt;</description>"
        "<category>Markets</category>"
        "<pubDate>Mon, 24 Jun 2024 14:33:53 -0400</pubDate></item>"
        "<item><title><![CDATA[Q&A: <b>rates</b>]]></title>"
        "<description><![CDATA[<p>Two<br/>lines</p>]]></description>"
        "<pubDate>not a date</pubDate></item>"
        "</channel></rss>";
    feed f;

    (void)state;
    parse_ok(rss, strlen(rss), &f);
    assert_string_equal(f.format, "rss");
    assert_string_equal(f.title, "Caf\xc3\xa9 news");
    assert_int_equal(f.nitems, 2);
    assert_string_equal(f.items[0].title, "Soci\xc3\xa9t\xc3\xa9 "
                                          "G\xc3\xa9n\xc3\xa9rale & AT&T");
    assert_string_equal(f.items[0].link, "https://news.invalid/a");
    assert_string_equal(f.items[0].id, "a-1");
    assert_string_equal(f.items[0].summary,
                        "Shares of Apple (AAPL) rose \xe2\x80\x94 it's up");
    assert_string_equal(f.items[0].category, "Markets");
    assert_int_equal(f.items[0].published, 1719254033LL);
    assert_string_equal(f.items[1].title, "Q&A: rates");
    assert_string_equal(f.items[1].summary, "Two lines");
    assert_int_equal(f.items[1].published, -1);
    feed_release(&f);
}

static void test_rss1_rdf(void **state)
{
    const char *rdf =
        "<?xml version=\"1.0\"?>"
        "<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\""
        " xmlns=\"http://purl.org/rss/1.0/\""
        " xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
        "<channel><title>R</title></channel>"
        "<item><title>One</title><link>https://r.invalid/1</link>"
        "<dc:date>2024-06-24T18:33:53Z</dc:date></item></rdf:RDF>";
    feed f;

    (void)state;
    parse_ok(rdf, strlen(rdf), &f);
    assert_string_equal(f.format, "rdf");
    assert_int_equal(f.nitems, 1);
    assert_string_equal(f.items[0].link, "https://r.invalid/1");
    assert_int_equal(f.items[0].published, 1719254033LL);
    feed_release(&f);
}

static void test_errors(void **state)
{
    char err[256];
    feed f;
    buf b;

    (void)state;
    assert_int_equal(feed_parse("<html><body>x</body></html>", 27, NULL, 0, &f,
                                err, sizeof(err)),
                     -1);
    assert_string_equal(err, "not an RSS or Atom feed (root element <html>)");
    assert_int_equal(
        feed_parse("<rss><channel>", 14, NULL, 0, &f, err, sizeof(err)), -1);
    assert_memory_equal(err, "feed is not well-formed XML: ", 29);
    load(SEC_FEED, &b);
    assert_int_equal(
        feed_parse(b.data, b.len, NULL, 4096, &f, err, sizeof(err)), -1);
    assert_string_equal(err, "feed of 56074 bytes is over the 4096-byte limit");
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sec_atom_feed),
        cmocka_unit_test(test_rss2_latin1_entities_cdata),
        cmocka_unit_test(test_rss1_rdf),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
