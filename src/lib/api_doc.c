/*
 * api_doc: OpenAPI 3.0 and HTML from the route table. The schemas in
 * the table are constant JSON text written by us, copied as they are;
 * every other string goes through the JSON or HTML escapes.
 */
#include "lib/api_doc.h"

#include <ctype.h>
#include <string.h>

#include "lib/buf.h"

static const char ERROR_SCHEMA[] =
    "\"Error\":{\"type\":\"object\",\"required\":["
    "\"error\"],\"properties\":{\"error\":{\"type\":\"object\","
    "\"required\":[\"code\",\"message\"],\"properties\":{"
    "\"code\":{\"type\":\"string\",\"example\":\"invalid_parameter\"}"
    ",\"message\":{\"type\":\"string\"}}}}}";

static const char TICKER_PATTERN[] =
    "^\\\\$?[A-Za-z0-9]{1,10}([./-][A-Za-z0-9]{1,4})?$";

static int needs_token(const api_route *r, int read_auth)
{
    return r->access == API_WRITE || (r->access == API_READ && read_auth);
}

static void add_js(buf *b, const char *s)
{
    buf_add_json_str(b, s, strlen(s));
}

static void add_param_schema(buf *b, const char *type)
{
    if (strcmp(type, "integer") == 0)
        buf_adds(b, "{\"type\":\"integer\",\"format\":\"int64\"}");
    else if (strcmp(type, "boolean") == 0)
        buf_adds(b, "{\"type\":\"boolean\"}");
    else if (strcmp(type, "date") == 0)
        buf_adds(b, "{\"type\":\"string\",\"format\":\"date\"}");
    else if (strcmp(type, "date-time") == 0)
        buf_adds(b, "{\"type\":\"string\",\"format\":\"date-time\"}");
    else if (strcmp(type, "ticker") == 0)
        buf_addf(b, "{\"type\":\"string\",\"pattern\":\"%s\"}", TICKER_PATTERN);
    else
        buf_adds(b, "{\"type\":\"string\"}");
}

/* "get" + "/symbols/{ticker}" -> "get_symbols_ticker". */
static void add_operation_id(buf *b, const api_route *r)
{
    int under = 1;

    buf_addc(b, '"');
    for (const char *m = r->method; *m; m++)
        buf_addc(b, (char)tolower((unsigned char)*m));
    for (const char *p = r->path; *p; p++) {
        if (isalnum((unsigned char)*p)) {
            if (under)
                buf_addc(b, '_');
            buf_addc(b, *p);
            under = 0;
        } else {
            under = 1;
        }
    }
    buf_addc(b, '"');
}

static void add_parameters(buf *b, const api_route *r)
{
    int first = 1;

    buf_adds(b, "\"parameters\":[");
    for (const char *p = strchr(r->path, '{'); p; p = strchr(p + 1, '{')) {
        const char *end = strchr(p, '}');
        char name[64];

        if (!end || (size_t)(end - p - 1) >= sizeof(name))
            break;
        memcpy(name, p + 1, (size_t)(end - p - 1));
        name[end - p - 1] = '\0';
        buf_adds(b, first ? "{" : ",{");
        first = 0;
        buf_adds(b, "\"name\":");
        add_js(b, name);
        buf_adds(b, ",\"in\":\"path\",\"required\":true,\"schema\":");
        add_param_schema(b, strcmp(name, "id") == 0       ? "integer"
                            : strcmp(name, "ticker") == 0 ? "ticker"
                                                          : "string");
        buf_addc(b, '}');
    }
    for (const api_param *q = r->query; q && q->name; q++) {
        buf_adds(b, first ? "{" : ",{");
        first = 0;
        buf_adds(b, "\"name\":");
        add_js(b, q->name);
        buf_adds(b, ",\"in\":\"query\",\"required\":false,\"description\":");
        add_js(b, q->desc ? q->desc : "");
        buf_adds(b, ",\"schema\":");
        add_param_schema(b, q->type);
        buf_addc(b, '}');
    }
    buf_addc(b, ']');
}

static void add_operation(buf *b, const api_route *r, int read_auth)
{
    int status = r->status ? r->status : 200;
    const char *media = r->produces ? r->produces : "application/json";

    buf_addc(b, '"');
    for (const char *m = r->method; *m; m++)
        buf_addc(b, (char)tolower((unsigned char)*m));
    buf_adds(b, "\":{\"operationId\":");
    add_operation_id(b, r);
    buf_adds(b, ",\"summary\":");
    add_js(b, r->summary);
    buf_addc(b, ',');
    add_parameters(b, r);
    if (r->body_type) {
        buf_adds(b, ",\"requestBody\":{\"required\":true,\"content\":{");
        add_js(b, r->body_type);
        buf_adds(b, ":{\"schema\":");
        buf_adds(b, r->body_schema ? r->body_schema : "{\"type\":\"string\"}");
        buf_adds(b, "}}}");
    }
    buf_addf(b, ",\"responses\":{\"%d\":{\"description\":", status);
    add_js(b, status == 201 ? "Created" : status == 202 ? "Accepted" : "OK");
    if (status != 204) {
        buf_adds(b, ",\"content\":{");
        add_js(b, media);
        buf_adds(b, ":{\"schema\":");
        buf_adds(b, r->schema ? r->schema
                              : (r->produces ? "{\"type\":\"string\"}"
                                             : "{\"type\":\"object\"}"));
        buf_adds(b, "}}");
    }
    buf_adds(b, "}");
    if (needs_token(r, read_auth))
        buf_adds(b, ",\"401\":{\"$ref\":\"#/components/responses/Error\"}");
    buf_adds(b, ",\"default\":{\"$ref\":\"#/components/responses/Error\"}}");
    if (needs_token(r, read_auth))
        buf_adds(b, ",\"security\":[{\"bearer\":[]}]");
    buf_addc(b, '}');
}

char *api_doc_openapi(const api_def *def, const api_route *routes, size_t n,
                      int read_auth)
{
    buf b;

    buf_init(&b);
    buf_adds(&b, "{\"openapi\":\"3.0.3\",\"info\":{\"title\":");
    add_js(&b, def->title);
    buf_adds(&b, ",\"version\":\"1.0.0\",\"description\":");
    add_js(&b, def->description);
    buf_adds(&b, "},\"paths\":{");
    /* Routes of one path are grouped under it, in table order. */
    for (size_t i = 0; i < n; i++) {
        int seen = 0, first = 1;

        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(routes[k].path, routes[i].path) == 0;
        if (seen)
            continue;
        if (i)
            buf_addc(&b, ',');
        add_js(&b, routes[i].path);
        buf_adds(&b, ":{");
        for (size_t k = i; k < n; k++) {
            if (strcmp(routes[k].path, routes[i].path))
                continue;
            if (!first)
                buf_addc(&b, ',');
            first = 0;
            add_operation(&b, &routes[k], read_auth);
        }
        buf_addc(&b, '}');
    }
    buf_adds(&b,
             "},\"components\":{\"securitySchemes\":{\"bearer\":{"
             "\"type\":\"http\",\"scheme\":\"bearer\"}},"
             "\"responses\":{\"Error\":{\"description\":\"An error: 4xx for a "
             "request at fault, 5xx for "
             "ours\",\"content\":{\"application/json\":{"
             "\"schema\":{\"$ref\":\"#/components/schemas/Error\"}"
             "}}}},\"schemas\":{");
    buf_adds(&b, ERROR_SCHEMA);
    if (def->schemas && def->schemas[0]) {
        buf_addc(&b, ',');
        buf_adds(&b, def->schemas);
    }
    buf_adds(&b, "}}}");
    return buf_detach(&b, NULL);
}

static void add_html(buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            buf_adds(b, "&lt;");
        else if (*s == '>')
            buf_adds(b, "&gt;");
        else if (*s == '&')
            buf_adds(b, "&amp;");
        else if (*s == '"')
            buf_adds(b, "&quot;");
        else
            buf_addc(b, *s);
    }
}

static void add_html_route(buf *b, const api_route *r, int read_auth)
{
    buf_adds(b, "<tr><td><code>");
    add_html(b, r->method);
    buf_adds(b, "</code></td><td><code>");
    add_html(b, r->path);
    buf_adds(b, "</code></td><td>");
    buf_adds(b, needs_token(r, read_auth) ? "token" : "open");
    buf_adds(b, "</td><td>");
    add_html(b, r->summary);
    if (r->body_type) {
        buf_adds(b, "<br>Body: <code>");
        add_html(b, r->body_type);
        buf_adds(b, "</code>");
    }
    buf_adds(b, "</td><td>");
    for (const api_param *q = r->query; q && q->name; q++) {
        buf_adds(b, "<code>");
        add_html(b, q->name);
        buf_adds(b, "</code> (");
        add_html(b, q->type);
        buf_adds(b, ") ");
        add_html(b, q->desc ? q->desc : "");
        buf_adds(b, "<br>");
    }
    buf_adds(b, "</td></tr>\n");
}

static int takes_cursor(const api_route *routes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (const api_param *q = routes[i].query; q && q->name; q++)
            if (strcmp(q->name, "cursor") == 0)
                return 1;
    return 0;
}

char *api_doc_html(const api_def *def, const api_route *routes, size_t n,
                   int read_auth)
{
    buf b;

    buf_init(&b);
    buf_adds(&b, "<!doctype html>\n<html lang=\"en\"><head><meta "
                 "charset=\"utf-8\"><title>");
    add_html(&b, def->title);
    buf_adds(
        &b, "</title><style>body{font-family:sans-serif;margin:2em;max-width:70"
            "em}table{border-collapse:collapse}td,th{border:1px solid "
            "#ccc;padding:.3em "
            ".6em;vertical-align:top;text-align:left}</style></head>\n<body><h1"
            ">");
    add_html(&b, def->title);
    buf_adds(&b, "</h1>\n<p>");
    add_html(&b, def->description);
    buf_adds(&b, "</p>\n<p>Errors are JSON: <code>{\"error\": {\"code\": "
                 "\"...\", \"message\": \"...\"}}</code>. ");
    if (takes_cursor(routes, n))
        buf_adds(&b, "Lists are pages: <code>{\"items\": [...], "
                     "\"next_cursor\": ...}</code>; pass "
                     "<code>next_cursor</code> back as <code>cursor</code> "
                     "for the next page (<code>limit</code> 1-500, default "
                     "50). ");
    buf_adds(
        &b, "Times are ISO 8601 UTC. Routes marked <em>token</em> need "
            "<code>Authorization: Bearer &lt;token&gt;</code>.</p>\n"
            "<p>Machine-readable: <a "
            "href=\"openapi.json\">openapi.json</a> (OpenAPI "
            "3).</p>\n<table><tr><th>Method</th><th>Path</th><th>Access</th><th"
            ">What</th><th>Query parameters</th></tr>\n");
    for (size_t i = 0; i < n; i++)
        add_html_route(&b, &routes[i], read_auth);
    buf_adds(&b, "</table></body></html>\n");
    return buf_detach(&b, NULL);
}

void api_doc_answer(const http_request *req, http_response *res,
                    const char *body, const char *etag)
{
    http_set_header(res, "ETag", etag);
    http_set_header(res, "Cache-Control", "public, max-age=300");
    if (api_etag_listed(req->if_none_match, etag)) {
        res->status = 304;
        return;
    }
    buf_adds(&res->body, body);
}
