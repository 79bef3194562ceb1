/*
 * `stonks up` writes paths into nginx's configuration: the dashboard's
 * folder is quoted in the template (a checkout under "My Projects" made
 * nginx refuse "root /tmp/My Projects/web/dist;" and restart for
 * ever), and a path nginx cannot read inside quotes is refused before
 * nginx starts. Run from the repository root (scripts/run-unit.sh).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "services/up.h"

static void test_nginx_path_ok(void **state)
{
    (void)state;
    assert_int_equal(up_nginx_path_ok("/tmp/trial/web/dist"), 1);
    assert_int_equal(up_nginx_path_ok("/tmp/My Projects/web/dist"), 1);
    assert_int_equal(up_nginx_path_ok("/srv/caf\xc3\xa9;{x}'y"), 1);
    assert_int_equal(up_nginx_path_ok("/tmp/a\"b"), 0);
    assert_int_equal(up_nginx_path_ok("/tmp/a\\b"), 0);
    assert_int_equal(up_nginx_path_ok("/tmp/$HOME"), 0);
    assert_int_equal(up_nginx_path_ok("/tmp/a\nb"), 0);
    assert_int_equal(up_nginx_path_ok("/tmp/a\tb"), 0);
    assert_int_equal(up_nginx_path_ok("/tmp/a\x7f"), 0);
}

/* Every use of STONKS_WEB_ROOT in the template stands in double quotes,
 * as the paths of the nginx.conf that `stonks up` writes do. */
static void test_template_quotes_root(void **state)
{
    FILE *f = fopen("infra/nginx/stonks.conf.template", "r");
    char line[512];
    int uses = 0;

    (void)state;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        const char *p = strstr(line, "${STONKS_WEB_ROOT}");

        if (!p || line[strspn(line, " ")] == '#')
            continue;
        uses++;
        assert_true(p > line && p[-1] == '"');
        assert_int_equal(p[strlen("${STONKS_WEB_ROOT}")], '"');
    }
    fclose(f);
    assert_int_equal(uses, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nginx_path_ok),
        cmocka_unit_test(test_template_quotes_root),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
