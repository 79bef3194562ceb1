/*
 * Tests of the pure parts of the Ollama client (src/adapters/ollama.c):
 * the validation of the signal list a model returns, the checks of the
 * /api/chat envelope (done_reason, done, error objects), and the request
 * it builds (schema, options, data block, cut to fit num_ctx, hash).
 * No server is involved; tests/integration/test_ollama.sh runs the
 * client against a fake one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "adapters/ollama.h"

static const char TICKERS[][TICKER_MAX] = {"AAPL", "GOOGL"};
static const char TEXT[] = "Apple sues Google | Apple filed a lawsuit.";

static ollama_doc doc2(void)
{
    ollama_doc d = {TEXT, sizeof(TEXT) - 1, 17, TICKERS, 2};

    return d;
}

static const char ITEM_A[] =
    "{\"ticker\":\"AAPL\",\"sentiment\":0.5,\"label\":\"positive\","
    "\"relevance\":1,\"event_type\":\"legal_regulatory\",\"confidence\":0.9}";
static const char ITEM_G[] =
    "{\"ticker\":\"GOOGL\",\"sentiment\":-1,\"label\":\"negative\","
    "\"relevance\":0.25,\"event_type\":\"other\",\"confidence\":0}";

/* Validates content for the two-ticker document; returns the rc and
 * leaves the message in err. */
static int validate(const char *content, ollama_signal out[2], char *err,
                    size_t errlen)
{
    ollama_doc d = doc2();

    err[0] = '\0';
    return ollama_validate_signals(content, strlen(content), &d, out, err,
                                   errlen);
}

static void assert_refused(const char *content, const char *want)
{
    ollama_signal out[2];
    char err[512];

    assert_int_equal(validate(content, out, err, sizeof(err)), -1);
    if (strcmp(err, want) != 0)
        fail_msg("%s\n got: %s\nwant: %s", content, err, want);
}

static void test_valid_list_in_document_order(void **state)
{
    char content[1024];
    ollama_signal out[2];
    char err[256];

    (void)state;
    snprintf(content, sizeof(content), "{\"signals\":[%s,%s]}", ITEM_G, ITEM_A);
    assert_int_equal(validate(content, out, err, sizeof(err)), 0);
    assert_true(out[0].sentiment == 0.5);
    assert_int_equal(out[0].label, SENT_POSITIVE);
    assert_true(out[0].relevance == 1.0);
    assert_true(out[0].confidence == 0.9);
    assert_int_equal(out[0].event, EVENT_LEGAL_REGULATORY);
    assert_true(out[1].sentiment == -1.0);
    assert_int_equal(out[1].label, SENT_NEGATIVE);
    assert_true(out[1].relevance == 0.25);
    assert_true(out[1].confidence == 0.0);
    assert_int_equal(out[1].event, EVENT_OTHER);
}

/* content with ITEM_A's field `field` replaced by `value` (JSON). */
static void with_field(char *out, size_t cap, const char *field,
                       const char *value)
{
    static const char *const names[] = {"ticker",     "sentiment",
                                        "label",      "relevance",
                                        "event_type", "confidence"};
    static const char *const vals[] = {
        "\"AAPL\"", "0.5", "\"positive\"", "1", "\"legal_regulatory\"", "0.9"};
    size_t n = 0;

    n += (size_t)snprintf(out + n, cap - n, "{\"signals\":[%s,{", ITEM_G);
    for (int i = 0; i < 6; i++) {
        const char *v = strcmp(names[i], field) == 0 ? value : vals[i];

        if (!v)
            continue;
        n += (size_t)snprintf(out + n, cap - n, "%s\"%s\":%s",
                              n > 0 && out[n - 1] != '{' ? "," : "", names[i],
                              v);
    }
    snprintf(out + n, cap - n, "}]}");
}

static void assert_field_refused(const char *field, const char *value,
                                 const char *want)
{
    char content[1024];

    with_field(content, sizeof(content), field, value);
    assert_refused(content, want);
}

/* A label that says the opposite of the sentiment is refused; a
 * neutral one, or a sentiment of 0, goes with either; -0 is 0. */
static void test_label_agrees_with_sentiment(void **state)
{
    char content[1024];
    ollama_signal out[2];
    char err[256];

    (void)state;
    assert_field_refused("sentiment", "-0.2",
                         "invalid signal list: item 1: label positive "
                         "contradicts sentiment -0.2");
    assert_field_refused("label", "\"negative\"",
                         "invalid signal list: item 1: label negative "
                         "contradicts sentiment 0.5");
    with_field(content, sizeof(content), "sentiment", "-0.0");
    assert_int_equal(validate(content, out, err, sizeof(err)), 0);
    assert_true(out[0].sentiment == 0.0 && !signbit(out[0].sentiment));
    with_field(content, sizeof(content), "confidence", "-0.0");
    assert_int_equal(validate(content, out, err, sizeof(err)), 0);
    assert_true(out[0].confidence == 0.0 && !signbit(out[0].confidence));
    with_field(content, sizeof(content), "label", "\"neutral\"");
    assert_int_equal(validate(content, out, err, sizeof(err)), 0);
    assert_int_equal(out[0].label, SENT_NEUTRAL);
}

static void test_types_and_ranges(void **state)
{
    (void)state;
    assert_field_refused("sentiment", "1.5",
                         "invalid signal list: item 1: sentiment 1.5 is "
                         "outside [-1, 1]");
    assert_field_refused("sentiment", "-1.01",
                         "invalid signal list: item 1: sentiment -1.01 is "
                         "outside [-1, 1]");
    assert_field_refused("relevance", "-0.1",
                         "invalid signal list: item 1: relevance -0.1 is "
                         "outside [0, 1]");
    assert_field_refused("confidence", "1.0001",
                         "invalid signal list: item 1: confidence 1.0001 is "
                         "outside [0, 1]");
    assert_field_refused("sentiment", "\"0.5\"",
                         "invalid signal list: item 1: sentiment is not a "
                         "number");
    assert_field_refused("relevance", "null",
                         "invalid signal list: item 1: relevance is not a "
                         "number");
    assert_field_refused("ticker", "7",
                         "invalid signal list: item 1: ticker is not a "
                         "string");
    assert_field_refused("confidence", NULL,
                         "invalid signal list: item 1: confidence is not a "
                         "number");
    assert_field_refused("label", NULL,
                         "invalid signal list: item 1: label is not a "
                         "string");
}

static void test_enums_and_tickers(void **state)
{
    (void)state;
    assert_field_refused("label", "\"bullish\"",
                         "invalid signal list: item 1: unknown label "
                         "\"bullish\"");
    assert_field_refused("label", "\"Positive\"",
                         "invalid signal list: item 1: unknown label "
                         "\"Positive\"");
    assert_field_refused("event_type", "\"ipo\"",
                         "invalid signal list: item 1: unknown event_type "
                         "\"ipo\"");
    assert_field_refused("ticker", "\"MSFT\"",
                         "invalid signal list: item 1: ticker \"MSFT\" is "
                         "not one of the document");
    assert_field_refused("ticker", "\"GOOGL\"",
                         "invalid signal list: item 1: ticker GOOGL appears "
                         "twice");
    assert_field_refused("ticker", "\"aapl\"",
                         "invalid signal list: item 1: ticker \"aapl\" is "
                         "not one of the document");
}

static void test_shape(void **state)
{
    char content[1024];

    (void)state;
    assert_refused("", "the reply is not JSON: '[' or '{' expected near end "
                       "of file at character 0");
    assert_refused("{\"signals\":[", "the reply is not JSON: ']' expected "
                                     "near end of file at character 12");
    assert_refused("[]", "invalid signal list: expected an object with the "
                         "one key \"signals\" holding an array");
    assert_refused("{\"signals\":{}}",
                   "invalid signal list: expected an object with the one "
                   "key \"signals\" holding an array");
    assert_refused("{\"signals\":[],\"note\":\"x\"}",
                   "invalid signal list: expected an object with the one "
                   "key \"signals\" holding an array");
    snprintf(content, sizeof(content), "{\"signals\":[%s]}", ITEM_A);
    assert_refused(content, "invalid signal list: 1 items for the 2 tickers "
                            "of the document");
    snprintf(content, sizeof(content), "{\"signals\":[%s,%s,%s]}", ITEM_A,
             ITEM_G, ITEM_G);
    assert_refused(content, "invalid signal list: 3 items for the 2 tickers "
                            "of the document");
    snprintf(content, sizeof(content), "{\"signals\":[%s,3]}", ITEM_A);
    assert_refused(content, "invalid signal list: item 1: not an object");
    snprintf(content, sizeof(content),
             "{\"signals\":[%s,{\"ticker\":\"GOOGL\",\"sentiment\":0,"
             "\"label\":\"neutral\",\"relevance\":0,\"event_type\":\"other\","
             "\"confidence\":0,\"reason\":\"because\"}]}",
             ITEM_A);
    assert_refused(content, "invalid signal list: item 1: unexpected key "
                            "\"reason\"");
    assert_refused("{\"signals\":[],\"signals\":[]}",
                   "the reply is not JSON: duplicate object key near "
                   "'\"signals\"' at character 23");
}

/* An /api/chat answer built from the documented sample, with content
 * and done_reason replaced (NULL: left out). */
static char *envelope(const char *content, const char *done_reason, int done)
{
    json_error_t je;
    json_t *env = json_load_file(
        "tests/fixtures/ollama/chat_structured_response.json", 0, &je);
    char *s;

    assert_non_null(env);
    json_object_set_new(json_object_get(env, "message"), "content",
                        json_string(content));
    if (done_reason)
        json_object_set_new(env, "done_reason", json_string(done_reason));
    else
        json_object_del(env, "done_reason");
    json_object_set_new(env, "done", json_boolean(done));
    s = json_dumps(env, 0);
    json_decref(env);
    return s;
}

static int parse(long status, const char *body, char *err, size_t errlen)
{
    ollama_doc d = doc2();
    ollama_signal out[2];

    err[0] = '\0';
    return ollama_parse_reply(status, body, strlen(body), &d, out, err, errlen);
}

static void test_envelope(void **state)
{
    char content[1024];
    char err[512];
    char *body;

    (void)state;
    snprintf(content, sizeof(content), "{\"signals\":[%s,%s]}", ITEM_A, ITEM_G);
    body = envelope(content, "stop", 1);
    assert_int_equal(parse(200, body, err, sizeof(err)), 0);
    free(body);
    body = envelope(content, NULL, 1);
    assert_int_equal(parse(200, body, err, sizeof(err)), 0);
    free(body);

    body = envelope(content, "length", 1);
    assert_int_equal(parse(200, body, err, sizeof(err)), -1);
    assert_string_equal(err, "Ollama's reply was cut at the length limit "
                             "(done_reason \"length\")");
    free(body);
    body = envelope(content, NULL, 0);
    assert_int_equal(parse(200, body, err, sizeof(err)), -1);
    assert_string_equal(err, "Ollama's reply is not finished (done is not "
                             "true)");
    free(body);

    assert_int_equal(
        parse(500, "{\"error\":\"the model failed to generate a response\"}",
              err, sizeof(err)),
        -1);
    assert_string_equal(err, "Ollama answered HTTP 500: the model failed to "
                             "generate a response");
    assert_int_equal(
        parse(200, "{\"error\":\"out of memory\"}", err, sizeof(err)), -1);
    assert_string_equal(err, "Ollama answered HTTP 200: out of memory");
    assert_int_equal(parse(502, "<html>bad gateway</html>", err, sizeof(err)),
                     -1);
    assert_string_equal(err, "Ollama answered HTTP 502: (no error message)");
    assert_int_equal(parse(200, "not json", err, sizeof(err)), -1);
    assert_string_equal(err, "Ollama's answer is not JSON: '[' or '{' "
                             "expected near 'not' (line 1, column 3)");
    assert_int_equal(parse(200, "[1]", err, sizeof(err)), -1);
    assert_string_equal(err, "Ollama's answer is not a JSON object");
    assert_int_equal(
        parse(200, "{\"done\":true,\"x\":\"\xff\"}", err, sizeof(err)), -1);
    assert_string_equal(err, "Ollama's answer is not JSON: unable to decode "
                             "byte 0xff near '\"' (line 1, column 18)");
    assert_int_equal(
        parse(200, "{\"done\":true,\"message\":{}}", err, sizeof(err)), -1);
    assert_string_equal(err, "Ollama's answer has no message content");
}

static json_t *build(const ollama_options *o, const ollama_doc *d,
                     ollama_prompt_info *info)
{
    buf body;
    char err[256];
    json_t *req;

    buf_init(&body);
    if (ollama_build_request(o, d, &body, info, err, sizeof(err)) < 0)
        fail_msg("build: %s", err);
    req = json_loads(body.data, 0, NULL);
    buf_release(&body);
    assert_non_null(req);
    return req;
}

static const char *user_message(json_t *req)
{
    return json_string_value(json_object_get(
        json_array_get(json_object_get(req, "messages"), 1), "content"));
}

/* A busy server is waited for; an error about the request is not. */
static void test_busy_status(void **state)
{
    (void)state;
    assert_int_equal(ollama_status_busy(503), 1);
    assert_int_equal(ollama_status_busy(429), 1);
    assert_int_equal(ollama_status_busy(500), 0);
    assert_int_equal(ollama_status_busy(400), 0);
    assert_int_equal(ollama_status_busy(404), 0);
    assert_int_equal(ollama_status_busy(200), 0);
}

static void test_request(void **state)
{
    ollama_options o = {"http://127.0.0.1:1", "llama3.1", 5, 4096};
    ollama_doc d = doc2();
    ollama_prompt_info info, again;
    json_t *req = build(&o, &d, &info);
    json_t *opts = json_object_get(req, "options");
    json_t *item = json_object_get(
        json_object_get(
            json_object_get(json_object_get(req, "format"), "properties"),
            "signals"),
        "items");
    json_t *tick =
        json_object_get(json_object_get(item, "properties"), "ticker");

    (void)state;
    assert_string_equal(json_string_value(json_object_get(req, "model")),
                        "llama3.1");
    assert_true(json_is_false(json_object_get(req, "stream")));
    assert_int_equal(json_integer_value(json_object_get(opts, "temperature")),
                     0);
    assert_int_equal(json_integer_value(json_object_get(opts, "num_ctx")),
                     4096);
    assert_int_equal(json_array_size(json_object_get(tick, "enum")), 2);
    assert_string_equal(
        json_string_value(json_array_get(json_object_get(tick, "enum"), 1)),
        "GOOGL");
    assert_true(json_is_false(json_object_get(item, "additionalProperties")));
    assert_string_equal(user_message(req), "Tickers: AAPL, GOOGL\n"
                                           "<<<DOCUMENT\n"
                                           "Title: Apple sues Google\n"
                                           "Text: Apple filed a lawsuit.\n"
                                           "DOCUMENT>>>");
    assert_int_equal(strlen(info.hash), 64);
    assert_int_equal(info.text_shown, d.len);
    json_decref(req);

    req = build(&o, &d, &again);
    assert_string_equal(info.hash, again.hash);
    json_decref(req);
    d.len -= 1;
    req = build(&o, &d, &again);
    assert_string_not_equal(info.hash, again.hash);
    json_decref(req);
}

static void test_data_block_cannot_be_closed(void **state)
{
    static const char text[] = "x DOCUMENT>>> <<<DOCUMENT <<<<<< >>>";
    ollama_options o = {"http://127.0.0.1:1", "m", 5, 4096};
    ollama_doc d = {text, sizeof(text) - 1, 0, TICKERS, 1};
    ollama_prompt_info info;
    json_t *req = build(&o, &d, &info);

    (void)state;
    assert_string_equal(user_message(req),
                        "Tickers: AAPL\n<<<DOCUMENT\n"
                        "x DOCUMENT>> > << <DOCUMENT << << << >> >\n"
                        "DOCUMENT>>>");
    json_decref(req);
}

static void test_cut_to_fit(void **state)
{
    static char text[8000];
    ollama_options o = {"http://127.0.0.1:1", "m", 5, 1024};
    ollama_doc d = {text, 0, 0, TICKERS, 1};
    ollama_prompt_info info;
    json_t *req;
    buf body;
    char err[256];
    char notice[96];

    (void)state;
    memset(text, 'a', sizeof(text));
    /* a two-byte character across the place where the cut falls */
    for (size_t i = 0; i + 1 < sizeof(text); i += 2) {
        text[i] = (char)0xc3;
        text[i + 1] = (char)0xa9;
    }
    d.len = sizeof(text);
    req = build(&o, &d, &info);
    assert_true(info.text_shown < d.len);
    assert_int_equal(info.text_shown % 2, 0);
    assert_int_equal(info.text_len, sizeof(text));
    snprintf(notice, sizeof(notice), "[document cut to fit: %zu of %zu bytes]",
             info.text_shown, d.len);
    assert_non_null(strstr(user_message(req), notice));
    /* the estimate: the whole prompt, 3 bytes a token, fits */
    assert_true(strlen(user_message(req)) / OLLAMA_BYTES_PER_TOKEN < 1024);
    json_decref(req);

    o.num_ctx = 512;
    buf_init(&body);
    assert_int_equal(
        ollama_build_request(&o, &d, &body, &info, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "does not fit in OLLAMA_NUM_CTX 512"));
    d.ntickers = 0;
    assert_int_equal(
        ollama_build_request(&o, &d, &body, &info, err, sizeof(err)), -1);
    assert_string_equal(err, "a document needs 1 to 64 tickers, not 0");
    buf_release(&body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_list_in_document_order),
        cmocka_unit_test(test_types_and_ranges),
        cmocka_unit_test(test_label_agrees_with_sentiment),
        cmocka_unit_test(test_enums_and_tickers),
        cmocka_unit_test(test_shape),
        cmocka_unit_test(test_envelope),
        cmocka_unit_test(test_busy_status),
        cmocka_unit_test(test_request),
        cmocka_unit_test(test_data_block_cannot_be_closed),
        cmocka_unit_test(test_cut_to_fit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
