#include "lib/probe.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"
#include "lib/metrics.h"
#include "lib/xalloc.h"

struct probe {
    http_server *srv;
    char service[64];
    atomic_int ready;
};

static void handle(void *ctx, const http_request *req, http_response *res)
{
    probe *p = ctx;

    /* (HEAD as the APIs take it: the answer to GET without its body) */
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        http_error(res, 405, "method_not_allowed",
                   "only GET and HEAD are served");
        return;
    }
    if (strcmp(req->path, "/health") == 0) {
        buf_adds(&res->body, "{\"status\":\"ok\",\"service\":");
        buf_add_json_str(&res->body, p->service, strlen(p->service));
        buf_addc(&res->body, '}');
    } else if (strcmp(req->path, "/ready") == 0) {
        if (atomic_load(&p->ready))
            buf_adds(&res->body, "{\"status\":\"ready\"}");
        else
            http_error(res, 503, "not_ready",
                       "a server it needs (PostgreSQL, Redis, its provider or "
                       "its model) does not answer or holds it back, or it is "
                       "still starting; its log says which");
    } else if (strcmp(req->path, "/metrics") == 0) {
        res->content_type = "text/plain; version=0.0.4";
        metrics_render(&res->body, p->service);
    } else {
        http_error(res, 404, "not_found", "no such path");
    }
}

probe *probe_start(const config *c, const char *service, char *err,
                   size_t errlen)
{
    http_options o = {c->http_bind, c->http_port, 2, 4096, 10, 0, 0};
    probe *p;

    if (c->http_port == 0) {
        snprintf(err, errlen, "HTTP_PORT is 0");
        return NULL;
    }
    p = xcalloc(1, sizeof(*p));
    snprintf(p->service, sizeof(p->service), "%s", service);
    p->srv = http_start(&o, handle, p, err, errlen);
    if (!p->srv) {
        free(p);
        return NULL;
    }
    return p;
}

void probe_stop(probe *p)
{
    if (!p)
        return;
    http_stop(p->srv);
    free(p);
}

void probe_set_ready(probe *p, int ready)
{
    if (p)
        atomic_store(&p->ready, ready);
}
