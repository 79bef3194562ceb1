/*
 * adapters/html.c: text out of HTML, entity decoding (doubly-encoded
 * included), declared encodings, hidden elements and the size limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "adapters/html.h"
#include "lib/buf.h"

static void text_is(const char *html, const char *want)
{
    char err[128];
    buf b;

    buf_init(&b);
    assert_int_equal(
        html_to_text(html, strlen(html), NULL, 0, &b, err, sizeof(err)), 0);
    assert_string_equal(b.data, want);
    buf_release(&b);
}

static void fragment_is(const char *s, const char *want)
{
    char err[128];
    buf b;

    buf_init(&b);
    assert_int_equal(html_fragment_text(s, strlen(s), 0, &b, err, sizeof(err)),
                     0);
    assert_string_equal(b.data, want);
    buf_release(&b);
}

static void decoded_is(const char *s, const char *want)
{
    buf b;

    buf_init(&b);
    html_decode_entities(s, strlen(s), &b);
    assert_string_equal(b.data, want);
    buf_release(&b);
}

static void test_entities(void **state)
{
    (void)state;
    decoded_is("AT&amp;T &lt;b&gt; &quot;x&quot; &#39;y&#39;",
               "AT&T <b> \"x\" 'y'");
    decoded_is("&#x2019;&#8212;&euro;&nbsp;", "\xe2\x80\x99\xe2\x80\x94"
                                              "\xe2\x82\xac\xc2\xa0");
    /* Doubly and triply encoded. */
    decoded_is("Johnson &amp;amp; Johnson", "Johnson & Johnson");
    decoded_is("it&amp;#39;s", "it's");
    decoded_is("&amp;amp;amp;", "&");
    /* Not references: copied as they are. */
    decoded_is("R&D & M&A; &bogus; &#xD800; &#0; &", "R&D & M&A; &bogus; "
                                                     "&#xD800; &#0; &");
}

static void test_blocks_and_spaces(void **state)
{
    (void)state;
    text_is("<html><head><title>T</title><style>p{}</style></head><body>"
            "<h1>Head\nline</h1><p>One  <b>bold</b>\tword.</p>"
            "<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
            "<script>var x = 1;</script>line<br>break&nbsp;&nbsp;here"
            "</body></html>",
            "Head line\nOne bold word.\na b\nc\nline\nbreak here");
}

static void test_hidden_elements(void **state)
{
    (void)state;
    text_is("<body><div style=\"display: none\"><ix:header>facts"
            "</ix:header></div><p>Shown</p><noscript>no</noscript></body>",
            "Shown");
}

static void test_declared_encoding(void **state)
{
    /* "Société Générale" in ISO-8859-1, declared by a meta tag. */
    const char *latin1 = "<html><head><meta http-equiv=\"Content-Type\" "
                         "content=\"text/html; charset=iso-8859-1\"></head>"
                         "<body><p>Soci\xe9t\xe9 G\xe9n\xe9rale</p></body>"
                         "</html>";
    char err[128];
    buf b;

    (void)state;
    text_is(latin1, "Soci\xc3\xa9t\xc3\xa9 G\xc3\xa9n\xc3\xa9rale");
    buf_init(&b);
    assert_int_equal(html_to_text("<p>caf\xe9</p>", 9, "ISO-8859-1", 0, &b, err,
                                  sizeof(err)),
                     0);
    assert_string_equal(b.data, "caf\xc3\xa9");
    buf_release(&b);
}

static void test_fragments(void **state)
{
    (void)state;
    fragment_is("  Plain   text,\n no markup &amp;amp; more  ",
                "Plain text, no markup & more");
    fragment_is("<p>Apple &lt;AAPL&gt; rose</p><p>second &amp;#8217;s</p>",
                "Apple <AAPL> rose second \xe2\x80\x99s");
    fragment_is("", "");
}

static void test_size_limit(void **state)
{
    char err[128];
    buf b;

    (void)state;
    buf_init(&b);
    assert_int_equal(
        html_to_text("<p>0123456789</p>", 17, NULL, 16, &b, err, sizeof(err)),
        -1);
    assert_string_equal(err, "HTML document of 17 bytes is over the 16-byte "
                             "limit");
    assert_int_equal(
        html_fragment_text("<p>0123456789</p>", 17, 10, &b, err, sizeof(err)),
        -1);
    assert_string_equal(err, "text of 17 bytes is over the 10-byte limit");
    assert_int_equal(b.len, 0);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_entities),
        cmocka_unit_test(test_blocks_and_spaces),
        cmocka_unit_test(test_hidden_elements),
        cmocka_unit_test(test_declared_encoding),
        cmocka_unit_test(test_fragments),
        cmocka_unit_test(test_size_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
