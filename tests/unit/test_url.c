#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "lib/url.h"

/* "scheme|host|port|rest" of a URL that splits, "-" of one that does
 * not. */
static const char *parts(const char *url)
{
    static char out[512];
    url_parts u;

    if (url_split(url, &u) < 0)
        return "-";
    snprintf(out, sizeof(out), "%.*s|%.*s|%d|%s", (int)u.scheme_len, u.scheme,
             (int)u.host_len, u.host, u.port, u.rest);
    return out;
}

static void test_split(void **state)
{
    (void)state;
    assert_string_equal(parts("http://127.0.0.1:8001"), "http|127.0.0.1|8001|");
    assert_string_equal(parts("HTTPS://Example.COM/a?b#c"),
                        "HTTPS|Example.COM|0|/a?b#c");
    assert_string_equal(parts("https://[::1]:8443/api"),
                        "https|[::1]|8443|/api");
    assert_string_equal(parts("smtps://smtp.gmail.com:465"),
                        "smtps|smtp.gmail.com|465|");
    assert_string_equal(parts("http://h?x=1"), "http|h|0|?x=1");
    assert_string_equal(parts("http://h:65535#f"), "http|h|65535|#f");
    /* refused rather than read one way or another */
    assert_string_equal(parts("http://user@h/"), "-");
    assert_string_equal(parts("http://h\\@evil/"), "-");
    assert_string_equal(parts("http://my_host/"), "-");
    assert_string_equal(parts("http://h:0"), "-");
    assert_string_equal(parts("http://h:65536"), "-");
    assert_string_equal(parts("http://h:000080"), "-");
    assert_string_equal(parts("http://h:"), "-");
    assert_string_equal(parts("http://h:80ab"), "-");
    assert_string_equal(parts("http://"), "-");
    assert_string_equal(parts("http://[]"), "-");
    assert_string_equal(parts("http://[::1"), "-");
    assert_string_equal(parts("127.0.0.1:8001"), "-");
    assert_string_equal(parts("://h"), "-");
    assert_string_equal(parts("1http://h"), "-");
    assert_string_equal(parts(""), "-");
}

static int loopback(const char *url)
{
    url_parts u;

    return url_split(url, &u) == 0 && url_is_loopback(&u);
}

static void test_loopback(void **state)
{
    (void)state;
    assert_int_equal(loopback("smtp://127.0.0.1:2525"), 1);
    assert_int_equal(loopback("http://127.1.2.3"), 1);
    assert_int_equal(loopback("http://LocalHost:8003/"), 1);
    assert_int_equal(loopback("http://[::1]:8003"), 1);
    /* names that only begin like a loopback address */
    assert_int_equal(loopback("smtp://localhost.example.com"), 0);
    assert_int_equal(loopback("smtp://127.example.com"), 0);
    assert_int_equal(loopback("http://10.0.0.1"), 0);
    assert_int_equal(loopback("http://[::2]"), 0);
    /* names a resolver may map anywhere, not IPv4 addresses */
    assert_int_equal(loopback("smtp://127.0.0.1.5:25"), 0);
    assert_int_equal(loopback("smtp://127.0.0.256:25"), 0);
    assert_int_equal(loopback("smtp://127.0.0.1.:25"), 0);
    assert_int_equal(loopback("smtp://127.:25"), 0);
    assert_int_equal(loopback("smtp://127..0.1:25"), 0);
    assert_int_equal(loopback("smtp://127.0.0.0001:25"), 0);
    assert_int_equal(loopback("http://127.255.255.255"), 1);
}

static const char *origin(const char *url)
{
    static char out[300];

    return url_origin(url, out, sizeof(out)) == 0 ? out : "-";
}

static void test_origin(void **state)
{
    char small[16];

    (void)state;
    assert_string_equal(origin("HTTP://WWW.SEC.gov/Archives/x.htm"),
                        "http://www.sec.gov:80");
    assert_string_equal(origin("https://www.sec.gov:443?x"),
                        "https://www.sec.gov:443");
    assert_string_equal(origin("https://[::1]:8443/"), "https://[::1]:8443");
    assert_string_equal(origin("ftp://h/"), "-");
    assert_string_equal(origin("https://u:p@h/"), "-");
    assert_int_equal(url_origin("https://www.sec.gov/", small, sizeof(small)),
                     -1);
}

static void test_userinfo(void **state)
{
    (void)state;
    assert_int_equal(url_has_userinfo("http://user:pw@127.0.0.1:8001"), 1);
    assert_int_equal(url_has_userinfo("http://user@h/"), 1);
    assert_int_equal(url_has_userinfo("http://h\\@evil/"), 1);
    assert_int_equal(url_has_userinfo("http://h:80"), 0);
    assert_int_equal(url_has_userinfo("http://h/a@b"), 0);
    assert_int_equal(url_has_userinfo("http://h?a@b"), 0);
    assert_int_equal(url_has_userinfo("http://h#a@b"), 0);
    assert_int_equal(url_has_userinfo("user@h"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_origin),
        cmocka_unit_test(test_userinfo),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
